package mediastore_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/teaminbox/teaminbox/internal/mediastore"
)

// testStore is the contract every store keeps.
func testStore(t *testing.T, s mediastore.Store) {
	ctx := context.Background()
	key := "0b1e3c5a-tenant/4f0e-channel/MM0123456789abcdef0123456789abcdef:ME0123456789abcdef0123456789abcdef"
	if ok, err := s.Exists(ctx, key); err != nil || ok {
		t.Fatalf("Exists before Put: %v %v", ok, err)
	}
	if _, err := s.Get(ctx, key); !errors.Is(err, mediastore.ErrNotFound) {
		t.Fatalf("Get before Put: %v, want ErrNotFound", err)
	}
	body := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, '\n', 0xff}, 1000)...)
	if err := s.Put(ctx, key, mediastore.File{ContentType: "image/png", Body: body}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Exists(ctx, key); err != nil || !ok {
		t.Fatalf("Exists after Put: %v %v", ok, err)
	}
	got, err := s.Get(ctx, key)
	if err != nil || got.ContentType != "image/png" || !bytes.Equal(got.Body, body) {
		t.Fatalf("Get: %q, %d bytes, %v", got.ContentType, len(got.Body), err)
	}
	// Another key, even one differing only in its last character, is another file.
	if ok, _ := s.Exists(ctx, key[:len(key)-1]+"e"); ok {
		t.Error("a neighbouring key exists")
	}
	// A second Put of the same key (a redelivered webhook) leaves one good file.
	if err := s.Put(ctx, key, mediastore.File{ContentType: "image/png", Body: body}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, key); !bytes.Equal(got.Body, body) {
		t.Error("the file changed after a second Put")
	}
	// Delete removes the file; deleting it again (an erasure run twice) is no error.
	for range 2 {
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if ok, err := s.Exists(ctx, key); err != nil || ok {
		t.Fatalf("Exists after Delete: %v %v", ok, err)
	}
	if err := s.Put(ctx, key, mediastore.File{ContentType: "image/png", Body: body}); err != nil {
		t.Fatal(err)
	}
}

func TestFS(t *testing.T) {
	dir := t.TempDir()
	s, err := mediastore.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	testStore(t, s)
	// A key of any characters is a file name under the root, never a path outside it.
	evil := "../../../etc/passwd"
	if err := s.Put(context.Background(), evil, mediastore.File{ContentType: "text/plain", Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if p := s.Path(evil); !strings.HasPrefix(p, dir+string(os.PathSeparator)) {
		t.Errorf("key %q is stored at %s, outside %s", evil, p, dir)
	}
}

// TestS3 runs the contract against gofakes3, an in-process S3 server, and checks the
// objects land in the bucket under the prefix.
func TestS3(t *testing.T) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	if err := backend.CreateBucket("inbox-media"); err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(srv.URL, "http://", "http://KEYID:s3cr%2Ft@", 1)
	if _, err := mediastore.NewS3(context.Background(), base+"/no-such-bucket"); err == nil {
		t.Error("a missing bucket was accepted")
	}
	s, err := mediastore.NewS3(context.Background(), base+"/inbox-media/node-a/?region=eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	testStore(t, s)
	key := "0b1e3c5a-tenant/4f0e-channel/MM0123456789abcdef0123456789abcdef:ME0123456789abcdef0123456789abcdef"
	obj, err := backend.HeadObject("inbox-media", "node-a/"+key)
	if err != nil {
		t.Fatalf("the object is not at prefix/key in the bucket: %v", err)
	}
	obj.Contents.Close()
	if obj.Metadata["Content-Type"] != "image/png" {
		t.Errorf("object metadata %v", obj.Metadata)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := mediastore.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*mediastore.FS); !ok {
		t.Fatalf("Open without an S3 URL gave %T, want the filesystem store", s)
	}
	if _, err := os.Stat(dir + "/media"); err != nil {
		t.Errorf("the media folder was not created in the data folder: %v", err)
	}
	for _, bad := range []string{"ftp://k:s@host/bucket", "https://k:s@host", "https://k:s@host/"} {
		if _, err := mediastore.Open(context.Background(), bad, dir); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}
