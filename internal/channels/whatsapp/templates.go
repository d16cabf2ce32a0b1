package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/templates"
)

// graphCheck calls the Graph API to check a setting. A refusal is a *provider.Rejected: of
// the access token for Graph's code 190 (an invalid or expired token), else of field, the
// object the request named, "<what>: <Graph's reason>".
func graphCheck(hc *http.Client, req *http.Request, field, what string) ([]byte, error) {
	raw, err := provider.Check(hc, req, graphError, field, what)
	var rej *provider.Rejected
	if errors.As(err, &rej) && graphCode(raw) == 190 {
		rej.Field, rej.Reason = "access_token", "WhatsApp rejected the access token: "+graphError(raw)
	}
	return raw, err
}

// graphCode is the code of a Graph API error answer, or 0.
func graphCode(b []byte) int {
	var e struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Error.Code
}

// CheckCredentials looks the channel's phone number up with its access token.
func (Provider) CheckCredentials(ctx context.Context, hc *http.Client, ch inbox.Channel) error {
	req, err := provider.NewRequest(ctx, http.MethodGet, provider.BaseURL(ch, DefaultAPI)+"/"+url.PathEscape(ch.Config["phone_number_id"])+"?fields=display_phone_number,verified_name", "", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+ch.Config["access_token"])
	_, err = graphCheck(hc, req, "phone_number_id", "WhatsApp did not find the phone number id with this access token")
	return err
}

// Templates reads message templates from the business account of a channel.
type Templates struct{ Client *http.Client }

// maxTemplatePages bounds a sync: 100 pages of 100 templates, far beyond Meta's limits.
const maxTemplatePages = 100

// FetchTemplates pages through GET /{waba_id}/message_templates.
func (t Templates) FetchTemplates(ctx context.Context, ch inbox.Channel) ([]templates.Template, error) {
	var out []templates.Template
	after := ""
	for range maxTemplatePages {
		q := url.Values{"fields": {"name,language,category,status,components"}, "limit": {"100"}}
		if after != "" {
			q.Set("after", after)
		}
		req, err := provider.NewRequest(ctx, http.MethodGet, provider.BaseURL(ch, DefaultAPI)+"/"+url.PathEscape(ch.Config["waba_id"])+"/message_templates?"+q.Encode(), "", nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+ch.Config["access_token"])
		raw, err := graphCheck(t.Client, req, "waba_id", "WhatsApp refused the business account's template list")
		if err != nil {
			return nil, provider.AsInboxError(err, "WhatsApp")
		}
		var page struct {
			Data []struct {
				Name       string          `json:"name"`
				Language   string          `json:"language"`
				Category   string          `json:"category"`
				Status     string          `json:"status"`
				Components json.RawMessage `json:"components"`
			} `json:"data"`
			Paging struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, inbox.ProviderFailed("WhatsApp answered the template list with something else: " + err.Error())
		}
		for _, d := range page.Data {
			if len(d.Components) == 0 {
				d.Components = json.RawMessage("[]")
			}
			out = append(out, templates.Template{Name: d.Name, Language: d.Language, Category: d.Category, Status: d.Status, Components: d.Components})
		}
		if page.Paging.Next == "" || page.Paging.Cursors.After == "" {
			return out, nil
		}
		after = page.Paging.Cursors.After
	}
	return nil, inbox.ProviderFailed(fmt.Sprintf("WhatsApp's template list went on beyond %d pages", maxTemplatePages))
}

// templatePayload is the Cloud API's template object for t: header, body and button
// components with their parameters.
func templatePayload(t *inbox.Template) map[string]any {
	tpl := map[string]any{"name": t.Name, "language": map[string]string{"code": t.Language}}
	var comps []map[string]any
	if h := t.Header; h != nil {
		p := map[string]any{"type": h.Type}
		if h.Type == inbox.TemplateHeaderText {
			p["text"] = h.Text
		} else {
			p[h.Type] = map[string]string{"link": h.Link}
		}
		comps = append(comps, map[string]any{"type": "header", "parameters": []any{p}})
	}
	if len(t.Body) > 0 {
		params := make([]any, len(t.Body))
		for i, v := range t.Body {
			params[i] = map[string]string{"type": "text", "text": v}
		}
		comps = append(comps, map[string]any{"type": "body", "parameters": params})
	}
	for _, b := range t.Buttons {
		p := map[string]string{"type": "text", "text": b.Parameter}
		if b.Type == inbox.TemplateButtonQuickReply {
			p = map[string]string{"type": "payload", "payload": b.Parameter}
		}
		comps = append(comps, map[string]any{"type": "button", "sub_type": b.Type, "index": strconv.Itoa(b.Index), "parameters": []any{p}})
	}
	if len(comps) > 0 {
		tpl["components"] = comps
	}
	return tpl
}
