package channels_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store"
)

// The business account's templates, in two pages as Meta's API returns them.
var templatePages = map[string]string{
	"": `{"data":[
		{"name":"order_update","language":"en_US","category":"UTILITY","status":"APPROVED","id":"1","components":[
			{"type":"HEADER","format":"TEXT","text":"Order {{1}}"},
			{"type":"BODY","text":"Hi {{1}}, your order {{2}} has shipped."},
			{"type":"FOOTER","text":"Reply STOP to opt out"},
			{"type":"BUTTONS","buttons":[{"type":"URL","text":"Track","url":"https://shop.example/track/{{1}}"},{"type":"QUICK_REPLY","text":"Stop"}]}]},
		{"name":"draft","language":"en","category":"MARKETING","status":"PENDING","id":"2","components":[{"type":"BODY","text":"Not yet"}]}],
		"paging":{"cursors":{"before":"b0","after":"c1"},"next":"https://graph.facebook.com/v24.0/WABA1/message_templates?after=c1"}}`,
	"c1": `{"data":[
		{"name":"invoice","language":"en","category":"UTILITY","status":"APPROVED","id":"3","components":[
			{"type":"HEADER","format":"DOCUMENT"},{"type":"BODY","text":"Your invoice is attached."}]}],
		"paging":{"cursors":{"before":"c1","after":"c2"}}}`,
}

// TestWhatsAppTemplates: a sync reads every page of the business account's templates and
// keeps the approved ones, listed with the parameters each takes; a template message is
// checked against them and sent as the Cloud API's template, components and all; a template
// may open a conversation whose window has closed, a text may not.
func TestWhatsAppTemplates(t *testing.T) {
	s := newStack(t)
	s.fake.mu.Lock()
	s.fake.pages = templatePages
	s.fake.mu.Unlock()
	_, ws, convID := s.open(fixtures[0], "hi")
	chID := s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)["channel"].(map[string]any)["id"].(string)
	s.fake.takeAdminCalls()

	synced := s.api("POST", "/v1/channels/"+chID+"/templates/sync", nil, 200)["templates"].([]any)
	calls := s.fake.takeAdminCalls()
	if len(calls) != 2 || !strings.HasPrefix(calls[0], "GET /WABA1/message_templates?") || strings.Contains(calls[0], "after=") ||
		!strings.Contains(calls[1], "after=c1") {
		t.Errorf("the template list was read with %q, want two pages", calls)
	}
	listed := s.api("GET", "/v1/channels/"+chID+"/templates", nil, 200)["templates"].([]any)
	if !reflect.DeepEqual(synced, listed) || len(listed) != 2 {
		t.Fatalf("synced %v, listed %v: want the 2 approved templates", synced, listed)
	}
	byName := map[string]map[string]any{}
	for _, v := range listed {
		byName[v.(map[string]any)["name"].(string)] = v.(map[string]any)
	}
	want := map[string]string{
		"order_update": `{"header":{"type":"text","format":"TEXT"},"body":2,"buttons":[{"index":0,"type":"url","text":"Track","required":true},{"index":1,"type":"quick_reply","text":"Stop","required":false}]}`,
		"invoice":      `{"header":{"type":"document","format":"DOCUMENT"},"body":0,"buttons":[]}`,
	}
	for name, params := range want {
		got, _ := json.Marshal(byName[name]["parameters"])
		var a, b any
		_ = json.Unmarshal(got, &a)
		_ = json.Unmarshal([]byte(params), &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: parameters %s, want %s", name, got, params)
		}
	}
	entries, err := s.st.(store.Store).ListAudit(t.Context(), s.tenant, audit.Filter{Action: "channel.templates_synced", Limit: 50})
	must(t, err)
	if len(entries) != 1 || entries[0].ObjectID != chID || string(entries[0].After) != `{"templates":["order_update/en_US","invoice/en"]}` {
		t.Errorf("audit of the sync: %+v", entries)
	}
	if o := byName["order_update"]; o["language"] != "en_US" || o["category"] != "UTILITY" || o["status"] != "APPROVED" || o["synced_at"] == nil {
		t.Errorf("order_update: %v", o)
	}

	// A template message, checked and sent as Meta's template with its components.
	before := len(s.fake.requests())
	send := func(tpl map[string]any) outcome {
		return s.call("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content_type": "template", "template": tpl})
	}
	orderUpdate := map[string]any{"name": "order_update", "language": "en_US", "header": map[string]any{"type": "text", "text": "A-17"},
		"body": []string{"Lena", "A-17"}, "buttons": []any{map[string]any{"index": 0, "type": "url", "parameter": "A-17"}, map[string]any{"index": 1, "type": "quick_reply", "parameter": "stop-A-17"}}}
	if o := send(orderUpdate); o.status != 201 {
		t.Fatalf("template message: %d %v", o.status, o.details)
	}
	s.outbox.RunOnce(context.Background())
	ws.until("message_status")
	sent := s.fake.requests()[before:]
	if len(sent) != 1 {
		t.Fatalf("the provider got %q", sent)
	}
	path, body, _ := strings.Cut(sent[0], " ")
	var got map[string]any
	must(t, json.Unmarshal([]byte(body), &got))
	delete(got, "biz_opaque_callback_data") // our message id
	var wantBody map[string]any
	must(t, json.Unmarshal([]byte(`{"messaging_product":"whatsapp","recipient_type":"individual","to":"4915112345678","type":"template",
		"template":{"name":"order_update","language":{"code":"en_US"},"components":[
			{"type":"header","parameters":[{"type":"text","text":"A-17"}]},
			{"type":"body","parameters":[{"type":"text","text":"Lena"},{"type":"text","text":"A-17"}]},
			{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"A-17"}]},
			{"type":"button","sub_type":"quick_reply","index":"1","parameters":[{"type":"payload","payload":"stop-A-17"}]}]}}`), &wantBody))
	if path != "/PNID/messages" || !reflect.DeepEqual(got, wantBody) {
		t.Errorf("the provider got %s %s\nwant %v", path, body, wantBody)
	}

	// Each mistake is a clear 400 that sends nothing.
	bad := []struct {
		tpl          map[string]any
		field, issue string
	}{
		{map[string]any{"name": "nope", "language": "en_US", "body": []string{}}, "template", `The channel has no approved template "nope" in language "en_US"`},
		{map[string]any{"name": "order_update", "language": "de", "body": []string{"a", "b"}}, "template", `The channel has no approved template "order_update" in language "de"`},
		{map[string]any{"name": "draft", "language": "en"}, "template", `The channel has no approved template "draft"`},
		{with(orderUpdate, "body", []string{"Lena"}), "template.body", "body needs 2 parameters, got 1"},
		{with(orderUpdate, "header", map[string]any{"type": "image", "link": "https://shop.example/a.png"}), "template.header.type", "The template's header is text, not image"},
		{with(orderUpdate, "header", nil), "template.header", "The template's header needs a text parameter"},
		{with(orderUpdate, "buttons", []any{}), "template.buttons", "Button 0 (url) needs its parameter"},
		{with(orderUpdate, "buttons", []any{map[string]any{"index": 0, "type": "quick_reply", "parameter": "x"}}), "template.buttons[0].type", "Button 0 is a url button, not quick_reply"},
		{with(orderUpdate, "buttons", []any{map[string]any{"index": 0, "type": "url", "parameter": "x"}, map[string]any{"index": 2, "type": "url", "parameter": "y"}}),
			"template.buttons[1]", "The template has no button at index 2 that takes a parameter"},
		{map[string]any{"name": "invoice", "header": map[string]any{"type": "document", "link": "not a link"}}, "template.header.link", "A media header needs the absolute http(s) link of its file"},
		{map[string]any{"name": "invoice", "body": []string{"x"}, "header": map[string]any{"type": "document", "link": "https://shop.example/i.pdf"}}, "template.body", "body needs 0 parameters, got 1"},
	}
	for _, b := range bad {
		o := send(b.tpl)
		if o.status != 400 || !strings.HasPrefix(toString(o.details[b.field]), b.issue) {
			t.Errorf("%v: %d %v, want 400 with %s: %q", b.tpl, o.status, o.details, b.field, b.issue)
		}
	}
	if n := len(s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)["messages"].([]any)); n != 2 {
		t.Errorf("%d messages after refused templates, want 2", n)
	}

	// A media header, in the default language (en).
	invoice := map[string]any{"name": "invoice", "header": map[string]any{"type": "document", "link": "https://shop.example/i.pdf"}}
	if o := send(invoice); o.status != 201 {
		t.Fatalf("a template in the default language: %d %v", o.status, o.details)
	}
	s.outbox.RunOnce(context.Background())
	ws.until("message_status")
	last := s.fake.requests()[len(s.fake.requests())-1]
	if !strings.Contains(last, `"template":{"components":[{"parameters":[{"document":{"link":"https://shop.example/i.pdf"},"type":"document"}],"type":"header"}],"language":{"code":"en"},"name":"invoice"}`) {
		t.Errorf("the provider got %s", last)
	}

	// 25 hours later the window is closed: a text is refused, a template is taken.
	s.svc.SetClock(func() time.Time { return time.Now().UTC().Add(25 * time.Hour) })
	if o := s.call("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": "Still there?"}); o.status != 409 {
		t.Errorf("a text after the window: %d %s", o.status, o.code)
	}
	if o := send(invoice); o.status != 201 {
		t.Errorf("a template after the window: %d %v", o.status, o.details)
	}

	// A new sync replaces the set.
	s.fake.mu.Lock()
	s.fake.pages = map[string]string{"": `{"data":[{"name":"welcome","language":"en","category":"MARKETING","status":"APPROVED","components":[{"type":"BODY","text":"Welcome!"}]}]}`}
	s.fake.mu.Unlock()
	if list := s.api("POST", "/v1/channels/"+chID+"/templates/sync", nil, 200)["templates"].([]any); len(list) != 1 || list[0].(map[string]any)["name"] != "welcome" {
		t.Errorf("after a second sync: %v", list)
	}
}

// with returns a copy of m with key set to v (removed when v is nil).
func with(m map[string]any, key string, v any) map[string]any {
	out := map[string]any{}
	for k, val := range m {
		out[k] = val
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}

// TestTemplateRoutes: another business's channel is a 404, a channel that is not WhatsApp a
// 400, a refused template list a 400 naming the setting, and an executive may list but not
// sync.
func TestTemplateRoutes(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	other := uuid.New()
	must(t, s.st.CreateTenant(ctx, inbox.Tenant{ID: other, Name: "Other", CreatedAt: time.Now()}))
	theirs := inbox.Channel{ID: uuid.New(), TenantID: other, Kind: inbox.ChannelWhatsApp, Name: "Theirs", Config: fixtures[0].config, CreatedAt: time.Now()}
	must(t, s.st.CreateChannel(ctx, theirs))
	for _, r := range []struct{ method, path string }{{"GET", "/templates"}, {"POST", "/templates/sync"}} {
		if o := s.call(r.method, "/v1/channels/"+theirs.ID.String()+r.path, nil); o.status != 404 || o.code != "NOT_FOUND" {
			t.Errorf("%s another business's channel: %d %s", r.method, o.status, o.code)
		}
		if o := s.call(r.method, "/v1/channels/"+uuid.NewString()+r.path, nil); o.status != 404 {
			t.Errorf("%s an unknown channel: %d", r.method, o.status)
		}
	}
	tg := s.channel(fixtures[1])
	if o := s.call("POST", "/v1/channels/"+tg.ID.String()+"/templates/sync", nil); o.status != 400 || o.details["channelId"] == nil {
		t.Errorf("sync a Telegram channel: %d %v", o.status, o.details)
	}
	wa := s.channel(fixtures[0])
	s.fake.answerAdmin(answer{status: 400, body: `{"error":{"message":"Unsupported get request. Object with ID 'WABA1' does not exist","code":100}}`})
	if o := s.call("POST", "/v1/channels/"+wa.ID.String()+"/templates/sync", nil); o.status != 400 ||
		!strings.HasPrefix(toString(o.details["config.waba_id"]), "WhatsApp refused the business account's template list: 100 Unsupported get request") {
		t.Errorf("a refused template list: %d %v", o.status, o.details)
	}
	execID := uuid.New()
	must(t, s.st.CreateUser(ctx, inbox.User{ID: execID, TenantID: s.tenant, FirstName: "Eve", LastName: "Exec", Email: "eve@e2e.test", Role: auth.RoleExecutive, PasswordHash: "x", CreatedAt: time.Now()}))
	exec, _ := s.tokens.Issue(auth.Principal{TenantID: s.tenant, UserID: execID, Role: auth.RoleExecutive}, auth.AudienceAPI, time.Hour)
	s.token, exec = exec, s.token
	if o := s.call("POST", "/v1/channels/"+wa.ID.String()+"/templates/sync", nil); o.status != 403 {
		t.Errorf("an executive syncs: %d", o.status)
	}
	if o := s.call("GET", "/v1/channels/"+wa.ID.String()+"/templates", nil); o.status != 200 {
		t.Errorf("an executive lists: %d", o.status)
	}
	s.token = exec
}

// TestTemplateLanguageDefaultsToTheBusinesses: a template message that names no language is
// sent in the business's default template language (GET/PATCH /v1/business).
func TestTemplateLanguageDefaultsToTheBusinesses(t *testing.T) {
	s := newStack(t)
	db := s.st.(interface{ DB() *sql.DB }).DB()
	if _, err := db.ExecContext(t.Context(), `UPDATE tenants SET default_template_language = 'en_US'`); err != nil {
		t.Fatal(err)
	}
	s.fake.mu.Lock()
	s.fake.pages = templatePages
	s.fake.mu.Unlock()
	_, ws, convID := s.open(fixtures[0], "hi")
	chID := s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)["channel"].(map[string]any)["id"].(string)
	s.api("POST", "/v1/channels/"+chID+"/templates/sync", nil, 200)
	before := len(s.fake.requests())
	o := s.call("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content_type": "template", "template": map[string]any{
		"name": "order_update", "header": map[string]any{"type": "text", "text": "A-17"}, "body": []string{"Lena", "A-17"},
		"buttons": []any{map[string]any{"index": 0, "type": "url", "parameter": "A-17"}}}})
	if o.status != 201 {
		t.Fatalf("a template without a language, in a business whose default is en_US: %d %v", o.status, o.details)
	}
	s.outbox.RunOnce(context.Background())
	ws.until("message_status")
	if sent := s.fake.requests()[before:]; len(sent) != 1 || !strings.Contains(sent[0], `"language":{"code":"en_US"}`) {
		t.Errorf("the provider got %q, want the template in en_US", sent)
	}
}
