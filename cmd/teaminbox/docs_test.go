package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDocumentedCommands runs the shell examples of README.md and docs/*.md as written, in
// order, against `teaminbox serve` started here on a new data folder (SQLite, the demo
// tenant): every ```sh block, line by line. What it runs:
//   - curl, with the options the docs use (-s, -H, -d, -F, -X, -o) and curl's own defaults
//     (-d posts a form unless a Content-Type header says otherwise, -F a multipart form whose
//     @file is a file of the repository); the answer must be 2xx;
//   - teaminbox (or go run ./cmd/teaminbox) token and simulate, in this process; simulate
//     with --duration 1s, since a test does not wait out a load test;
//   - VAR=value and VAR=$(command), and $VAR in later commands.
//
// A variable a file uses but does not set, such as $CHANNEL_ID, comes from the answers
// before it: `channel_id` or the `id` of a `channel` object in the latest answer that has
// one. localhost:8080 is the test server's address. A channel created with POST /v1/channels
// gets a stand-in for its provider's API (see withProviderAPI). A ```json block that follows a ```sh
// block, with nothing but blank lines between them, shows the answer of its last request:
// each object it shows must have the keys of the real answer's, no more, no fewer.
//
// Commands this test cannot run (the server it starts itself, createdb, go test) are listed
// in notRun; any other command fails the test, so every new example is either run or listed.
func TestDocumentedCommands(t *testing.T) {
	s := startServer(t)
	docs, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, path := range append([]string{"../../README.md"}, docs...) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			r := &docRunner{t: t, s: s, file: filepath.Base(path), vars: map[string]string{}, captured: map[string]string{}, dir: t.TempDir()}
			blocks := markdownBlocks(string(src))
			for i, b := range blocks {
				if !slices.Contains([]string{"sh", "bash", "shell"}, b.lang) {
					continue
				}
				r.runBlock(b)
				if next := i + 1; next < len(blocks) && blocks[next].lang == "json" && blocks[next].adjacent {
					r.checkAnswer(blocks[next])
				}
			}
			ran += r.ran
		})
	}
	if ran < 5 {
		t.Fatalf("ran only %d documented commands: have the docs' examples moved?", ran)
	}
}

// withProviderAPI points a documented channel at a local stand-in for its provider's API
// (config.api_base_url), which takes every credential: the server checks them with the
// provider before it saves the channel, and the docs' credentials are made up.
func (r *docRunner) withProviderAPI(body string) string {
	var in map[string]any
	if json.Unmarshal([]byte(body), &in) != nil {
		return body
	}
	cfg, ok := in["config"].(map[string]any)
	if !ok {
		return body
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"ok":true,"result":true}`)
	}))
	r.t.Cleanup(api.Close)
	cfg["api_base_url"] = api.URL
	out, _ := json.Marshal(in)
	return string(out)
}

// notRun are the documented commands this test does not run, and why.
var notRun = map[string]string{
	"teaminbox serve": "the server this test runs itself",
	"go test":         "the command that runs this test",
	"createdb":        "a PostgreSQL administration command",
	"cd web":          "the web app's commands, which .ci/run runs",
	"npm":             "the web app's commands, which .ci/run runs",
	"npx":             "the web app's commands, which .ci/run runs",
}

// block is a fenced code block of a markdown file.
type block struct {
	lang, body string
	line       int
	adjacent   bool // only blank lines separate it from the block before
}

// markdownBlocks returns the fenced blocks of src, indented ones (in list items) included.
func markdownBlocks(src string) []block {
	var (
		out       []block
		cur       *block
		indent    string
		sinceLast = -1 // non-blank lines since the last block closed; -1 before the first
	)
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if cur == nil {
			if lang, ok := strings.CutPrefix(trimmed, "```"); ok {
				cur = &block{lang: strings.TrimSpace(lang), line: i + 1, adjacent: sinceLast == 0}
				indent = line[:len(line)-len(trimmed)]
			} else if strings.TrimSpace(line) != "" && sinceLast >= 0 {
				sinceLast++
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") {
			out = append(out, *cur)
			cur, sinceLast = nil, 0
			continue
		}
		cur.body += strings.TrimPrefix(line, indent) + "\n"
	}
	return out
}

// docRunner runs one file's commands.
type docRunner struct {
	t        *testing.T
	s        *testServer
	file     string
	vars     map[string]string // set by the file
	captured map[string]string // taken from answers
	dir      string            // where -o writes
	last     []byte            // the latest curl answer
	lastCurl bool              // the block's last command was a curl
	ran      int
}

func (r *docRunner) runBlock(b block) {
	rest := b.body
	for strings.TrimSpace(rest) != "" {
		words, next, err := r.nextCommand(rest)
		if err != nil {
			r.t.Errorf("%s:%d: %v", r.file, b.line, err)
			return
		}
		command := strings.TrimSpace(rest[:len(rest)-len(next)])
		rest = next
		if len(words) == 0 {
			continue
		}
		if err := r.run(words, io.Discard); err != nil {
			r.t.Errorf("%s:%d: the documented command failed: %s\n%v", r.file, b.line, command, err)
		}
	}
}

var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// run runs one command, writing what it prints to out.
func (r *docRunner) run(words []string, out io.Writer) error {
	var env []string
	for len(words) > 0 && assignment.MatchString(words[0]) {
		env, words = append(env, words[0]), words[1:]
	}
	if len(words) == 0 { // VAR=value
		for _, a := range env {
			name, value, _ := strings.Cut(a, "=")
			r.vars[name] = value
		}
		return nil
	}
	for i, w := range words {
		words[i] = strings.ReplaceAll(w, "localhost:8080", r.s.host)
	}
	if len(words) >= 3 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/teaminbox" {
		words = append([]string{"teaminbox"}, words[3:]...)
	}
	for prefix, why := range notRun {
		if strings.HasPrefix(strings.Join(words, " ")+" ", prefix+" ") {
			r.t.Logf("%s: not run: %s (%s)", r.file, prefix, why)
			return nil
		}
	}
	if len(env) > 0 {
		return fmt.Errorf("an environment prefix (%s) on a command this test runs", strings.Join(env, " "))
	}
	r.ran++
	r.lastCurl = words[0] == "curl"
	switch {
	case words[0] == "curl":
		return r.curl(words[1:], out)
	case words[0] == "teaminbox" && len(words) > 1 && words[1] == "token":
		return writeToken(context.Background(), out, words[2:])
	case words[0] == "teaminbox" && len(words) > 1 && words[1] == "simulate":
		return simulate(context.Background(), append(words[2:], "--duration", "1s"))
	}
	return fmt.Errorf("%s is not a command this test knows how to run: run it here or add it to notRun", words[0])
}

// curl does what curl does with the options the docs use, and fails unless the answer is 2xx.
func (r *docRunner) curl(args []string, out io.Writer) error {
	var (
		method, target, output string
		data, form             []string
		header                 = http.Header{}
	)
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch a {
		case "-s", "--silent", "-S", "--show-error":
		case "-H", "--header":
			k, v, _ := strings.Cut(value(), ":")
			header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		case "-d", "--data", "--data-raw":
			data = append(data, value())
		case "-F", "--form":
			form = append(form, value())
		case "-X", "--request":
			method = value()
		case "-o", "--output":
			output = value()
		default:
			if strings.HasPrefix(a, "-") || target != "" {
				return fmt.Errorf("curl %s: an option this test does not know", a)
			}
			target = a
		}
	}
	if !strings.Contains(target, "://") {
		target = "http://" + target
	}
	var body io.Reader
	if data != nil {
		joined := strings.Join(data, "&")
		if method == "" && strings.HasSuffix(target, "/v1/channels") {
			joined = r.withProviderAPI(joined)
		}
		body = strings.NewReader(joined)
		if method == "" {
			method = http.MethodPost
		}
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/x-www-form-urlencoded") // curl's default for -d
		}
	}
	if form != nil {
		var err error
		if body, err = multipartForm(form, header); err != nil {
			return err
		}
		if method == "" {
			method = http.MethodPost
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return err
	}
	req.Header = header
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s answered %d: %s", method, req.URL.Path, res.StatusCode, raw)
	}
	r.last = raw
	r.capture(raw)
	if output != "" {
		return os.WriteFile(filepath.Join(r.dir, filepath.Base(output)), raw, 0o600)
	}
	_, err = out.Write(raw)
	return err
}

// multipartForm is the body of curl's -F fields, name=value or name=@file (a file of the
// repository, as the docs run from its root), and sets its Content-Type.
func multipartForm(fields []string, header http.Header) (io.Reader, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		name, value, _ := strings.Cut(f, "=")
		path, isFile := strings.CutPrefix(value, "@")
		if !isFile {
			if err := w.WriteField(name, value); err != nil {
				return nil, err
			}
			continue
		}
		content, err := os.ReadFile(filepath.Join("../..", path))
		if err != nil {
			return nil, fmt.Errorf("curl -F %s: %w", f, err)
		}
		part, err := w.CreateFormFile(name, filepath.Base(path))
		if err != nil {
			return nil, err
		}
		if _, err := part.Write(content); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	header.Set("Content-Type", w.FormDataContentType())
	return &buf, nil
}

// capture keeps the ids of a JSON answer: `x_id` fields and the `id` of `x` objects, as
// X_ID, the first of each name in the answer.
func (r *docRunner) capture(raw []byte) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	seen := map[string]bool{}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if id, ok := v["id"].(string); ok && key != "" {
				r.keep(seen, strings.ToUpper(key)+"_ID", id)
			}
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(k, v[k])
			}
		case []any:
			for _, e := range v {
				walk(key, e)
			}
		case string:
			if strings.HasSuffix(key, "_id") {
				r.keep(seen, strings.ToUpper(key), v)
			}
		}
	}
	walk("", v)
}

func (r *docRunner) keep(seen map[string]bool, name, value string) {
	if !seen[name] {
		seen[name] = true
		r.captured[name] = value
	}
}

// checkAnswer compares a documented answer with the real one of the block's last request.
func (r *docRunner) checkAnswer(b block) {
	if !r.lastCurl {
		r.t.Errorf("%s:%d: a json block after a sh block shows the answer of its last request, which is not a curl", r.file, b.line)
		return
	}
	var doc, real any
	if err := json.Unmarshal([]byte(b.body), &doc); err != nil {
		r.t.Errorf("%s:%d: the documented answer is not JSON: %v", r.file, b.line, err)
		return
	}
	if err := json.Unmarshal(r.last, &real); err != nil {
		r.t.Errorf("%s:%d: the real answer is not JSON: %v", r.file, b.line, err)
		return
	}
	for _, diff := range keyDiff("", doc, real) {
		r.t.Errorf("%s:%d: the documented answer differs from the real one: %s", r.file, b.line, diff)
	}
}

// keyDiff lists where the objects of doc have other keys than those of real.
func keyDiff(path string, doc, real any) []string {
	var out []string
	switch d := doc.(type) {
	case map[string]any:
		rm, ok := real.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s is an object in the docs, %T in the answer", path, real)}
		}
		for _, k := range slices.Sorted(maps.Keys(d)) {
			if _, ok := rm[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s is documented but not in the answer", path, k))
				continue
			}
			out = append(out, keyDiff(path+"."+k, d[k], rm[k])...)
		}
		for _, k := range slices.Sorted(maps.Keys(rm)) {
			if _, ok := d[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s is in the answer but not documented", path, k))
			}
		}
	case []any:
		if ra, ok := real.([]any); ok && len(d) > 0 && len(ra) > 0 {
			out = append(out, keyDiff(path+"[0]", d[0], ra[0])...)
		}
	}
	return out
}

// nextCommand reads the first command of src and returns its words and the rest of src.
// It knows the shell the docs use: blanks between words, '…' (literal), "…" (with \ escapes
// and $ expansions), bare $NAME, ${NAME} and $(command), a backslash before a newline
// (continues the line), # comments; a newline ends the command. Pipes, redirections and
// command lists are errors: the test would not run them as a shell does.
func (r *docRunner) nextCommand(src string) ([]string, string, error) {
	var (
		words  []string
		cur    strings.Builder
		inWord bool
	)
	end := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			end()
			if len(words) > 0 {
				return words, src[i+1:], nil
			}
			i++
		case c == ' ' || c == '\t':
			end()
			i++
		case c == '\\' && i+1 < len(src):
			if src[i+1] != '\n' {
				cur.WriteByte(src[i+1])
				inWord = true
			}
			i += 2
		case c == '#' && !inWord:
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\'':
			j := strings.IndexByte(src[i+1:], '\'')
			if j < 0 {
				return nil, "", errors.New("a ' is not closed")
			}
			cur.WriteString(src[i+1 : i+1+j])
			inWord = true
			i += j + 2
		case c == '"':
			n, err := r.doubleQuoted(src[i:], &cur)
			if err != nil {
				return nil, "", err
			}
			inWord = true
			i += n
		case c == '$':
			n, err := r.dollar(src[i:], &cur)
			if err != nil {
				return nil, "", err
			}
			inWord = true
			i += n
		case strings.IndexByte("|&;<>`(){}", c) >= 0:
			return nil, "", fmt.Errorf("shell syntax this test does not run: %q", c)
		default:
			cur.WriteByte(c)
			inWord = true
			i++
		}
	}
	end()
	return words, "", nil
}

// doubleQuoted reads "…" at the start of s into cur and returns its length.
func (r *docRunner) doubleQuoted(s string, cur *strings.Builder) (int, error) {
	for i := 1; i < len(s); {
		switch c := s[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0:
			if s[i+1] != '\n' {
				cur.WriteByte(s[i+1])
			}
			i += 2
		case c == '$':
			n, err := r.dollar(s[i:], cur)
			if err != nil {
				return 0, err
			}
			i += n
		default:
			cur.WriteByte(c)
			i++
		}
	}
	return 0, errors.New(`a " is not closed`)
}

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`)

// dollar expands the $NAME, ${NAME} or $(command) at the start of s into cur and returns its
// length.
func (r *docRunner) dollar(s string, cur *strings.Builder) (int, error) {
	switch {
	case strings.HasPrefix(s, "$("):
		depth := 0
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					words, _, err := r.nextCommand(s[2:i])
					if err != nil {
						return 0, err
					}
					var out bytes.Buffer
					if err := r.run(words, &out); err != nil {
						return 0, fmt.Errorf("$(%s): %w", s[2:i], err)
					}
					cur.WriteString(strings.TrimRight(out.String(), "\n"))
					return i + 1, nil
				}
			}
		}
		return 0, errors.New("a $( is not closed")
	case strings.HasPrefix(s, "${"):
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return 0, errors.New("a ${ is not closed")
		}
		return j + 1, r.expand(s[2:j], cur)
	case varName.MatchString(s[1:]):
		name := varName.FindString(s[1:])
		return 1 + len(name), r.expand(name, cur)
	}
	cur.WriteByte('$')
	return 1, nil
}

func (r *docRunner) expand(name string, cur *strings.Builder) error {
	v, ok := r.vars[name]
	if !ok {
		v, ok = r.captured[name]
	}
	if !ok {
		return fmt.Errorf("$%s is neither set in %s nor an id of an answer before it", name, r.file)
	}
	cur.WriteString(v)
	return nil
}
