package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

var timeframes = map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	p := principal(r.Context())
	f := inbox.ConversationFilter{
		Status:      inbox.Status(q.oneOf("status", []string{"active", "pending", "closed"})),
		CampaignID:  q.id("campaign_id"),
		BroadcastID: q.id("broadcast_id"),
		ChannelKind: inbox.ChannelKind(q.oneOf("channel", kindNames())),
		TagID:       q.id("tag_id"),
		ContactID:   q.id("contact_id"),
		Search:      q.str("search", 200),
		Page:        q.intRange("page", 1, 1, 1_000_000),
		Limit:       q.intRange("limit", 20, 1, 100),
		SortBy:      q.oneOf("sort_by", inbox.SortKeys),
		SortAsc:     q.oneOf("sort_direction", []string{"asc", "desc"}) == "asc",
	}
	f.AssignedTo, f.Unassigned = q.idOr("assigned_to", "unassigned")
	f.AssignedTeam, f.NoTeam = q.idOr("assigned_team", "none")
	if q.oneOf("mentioned", []string{"me"}) != "" {
		f.MentionedUser = &p.UserID
	}
	if tf := q.oneOf("timeframe", []string{"24h", "7d", "30d"}); tf != "" {
		f.ActiveSince = ptr(s.Service.Now().Add(-timeframes[tf]))
	}
	if f.SortBy == "" {
		f.SortBy = inbox.SortLastMessageAt
	}
	after := q.listCursor("cursor")
	// A search in the default order from its first page is read by cursor (keyset), with a
	// bounded count; page numbers past the first count every match.
	keyset := f.Search != "" && f.SortBy == inbox.SortLastMessageAt && !f.SortAsc && f.Page == 1
	if after != nil && !keyset {
		q.bad.Add("cursor", "Pages a search in the default order (newest activity first), without page")
	}
	if err := q.err(); err != nil {
		return err
	}
	if keyset {
		return s.searchConversations(w, r, p, f, after)
	}
	list, total, err := s.Service.ListConversations(r.Context(), p, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": s.views(list), "pagination": paginate(total, f.Page, f.Limit)})
	return nil
}

// searchPagination is a keyset search's pagination: total counts the matches from this page
// on that the search counted, and more says there are others ("more than total").
type searchPagination struct {
	Pagination
	More       bool    `json:"more"`
	NextCursor *string `json:"next_cursor"`
}

func (s *Server) searchConversations(w http.ResponseWriter, r *http.Request, p auth.Principal, f inbox.ConversationFilter, after *inbox.ListCursor) error {
	page, err := s.Service.SearchConversations(r.Context(), p, f, after)
	if err != nil {
		return err
	}
	pg := searchPagination{Pagination: paginate(page.Counted, f.Page, f.Limit), More: page.More, NextCursor: encodeCursor(page.Next)}
	if page.More {
		pg.Pages++
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": s.views(page.Conversations), "pagination": pg})
	return nil
}

func (s *Server) views(list []inbox.Conversation) []inbox.ConversationView {
	now := s.Service.Now()
	views := make([]inbox.ConversationView, len(list))
	for i, c := range list {
		views[i] = c.View(now)
	}
	return views
}

func kindNames() []string {
	names := make([]string, len(inbox.ChannelKinds))
	for i, k := range inbox.ChannelKinds {
		names[i] = string(k)
	}
	return names
}

// conversationDetail is the detail response: the conversation with a page of its messages.
type conversationDetail struct {
	inbox.ConversationView
	Messages   []inbox.Message `json:"messages"`
	Pagination any             `json:"pagination"`
}

// cursorPagination describes a cursor page: pass Oldest as before= for older messages and
// Newest as after= for newer ones.
type cursorPagination struct {
	Total  int        `json:"total"`
	Limit  int        `json:"limit"`
	Oldest *uuid.UUID `json:"oldest_id"`
	Newest *uuid.UUID `json:"newest_id"`
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "conversationId")
	if err != nil {
		return err
	}
	q := newQuery(r)
	page := inbox.MessagePage{
		Page:   q.intRange("page", 1, 1, 1_000_000),
		Limit:  q.intRange("limit", 50, 1, 200),
		Before: q.id("before"),
		After:  q.id("after"),
	}
	latest := q.boolean("latest")
	if page.Before != nil && page.After != nil {
		q.bad.Add("before", "Give before or after, not both")
	}
	if err := q.err(); err != nil {
		return err
	}
	cursor := page.Before != nil || page.After != nil || (latest != nil && *latest)
	if cursor {
		page.Page = 0
	}
	p := principal(r.Context())
	c, err := s.Service.GetConversation(r.Context(), p, id)
	if err != nil {
		return err
	}
	msgs, total, err := s.Service.ListMessages(r.Context(), p, id, page)
	if err != nil {
		return err
	}
	for i := range msgs {
		msgs[i].Attachments = s.signedAttachments(p.TenantID, msgs[i].Attachments)
	}
	d := conversationDetail{ConversationView: c.View(s.Service.Now()), Messages: nonNil(msgs), Pagination: paginate(total, page.Page, page.Limit)}
	if cursor {
		cp := cursorPagination{Total: total, Limit: page.Limit}
		if len(msgs) > 0 {
			cp.Oldest, cp.Newest = &msgs[0].ID, &msgs[len(msgs)-1].ID
		}
		d.Pagination = cp
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": d})
	return nil
}

type startConversationRequest struct {
	ContactID string         `json:"contact_id"`
	ChannelID string         `json:"channel_id"`
	Type      string         `json:"type"`
	Priority  inbox.Priority `json:"priority"`
	Category  string         `json:"category"`
}

func (s *Server) startConversation(w http.ResponseWriter, r *http.Request) error {
	var in startConversationRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	bad := inbox.Fields{}
	nc := inbox.NewConversation{
		ContactID: bodyID(bad, "contact_id", in.ContactID), ChannelID: bodyID(bad, "channel_id", in.ChannelID),
		Type: in.Type, Priority: in.Priority, Category: in.Category,
	}
	if err := bad.Err(); err != nil {
		return err
	}
	c, created, err := s.Service.StartConversation(r.Context(), principal(r.Context()), nc)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"conversation": c.View(s.Service.Now())})
	return nil
}

type statusRequest struct {
	Status inbox.Status `json:"status"`
	Note   string       `json:"note"`
}

func (s *Server) setStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "conversationId")
	if err != nil {
		return err
	}
	var in statusRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	out, err := s.Service.SetStatus(r.Context(), principal(r.Context()), id, in.Status, in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": out})
	return nil
}

type priorityRequest struct {
	Priority inbox.Priority `json:"priority"`
}

func (s *Server) setPriority(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "conversationId")
	if err != nil {
		return err
	}
	var in priorityRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	out, err := s.Service.SetPriority(r.Context(), principal(r.Context()), id, in.Priority)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": out})
	return nil
}

type assignRequest struct {
	AssignedUserID json.RawMessage `json:"assigned_user_id"`
	AssignedTeamID json.RawMessage `json:"assigned_team_id"`
	Note           string          `json:"note"`
}

func (s *Server) assign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "conversationId")
	if err != nil {
		return err
	}
	var in assignRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	bad := inbox.Fields{}
	ai := inbox.AssignInput{
		User: optionalID(bad, "assigned_user_id", in.AssignedUserID),
		Team: optionalID(bad, "assigned_team_id", in.AssignedTeamID),
		Note: in.Note,
	}
	if err := bad.Err(); err != nil {
		return err
	}
	out, err := s.Service.Assign(r.Context(), principal(r.Context()), id, ai)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": out})
	return nil
}

type sendRequest struct {
	Content     string             `json:"content"`
	ContentType inbox.ContentType  `json:"content_type"`
	IsInternal  bool               `json:"is_internal"`
	Attachments []inbox.Attachment `json:"attachments"`
	Template    *inbox.Template    `json:"template"`
	ReplyToID   string             `json:"reply_to_id"`
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "conversationId")
	if err != nil {
		return err
	}
	var in sendRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	si := inbox.SendInput{Content: in.Content, ContentType: in.ContentType, IsInternal: in.IsInternal, Attachments: in.Attachments, Template: in.Template}
	if in.ReplyToID != "" {
		bad := inbox.Fields{}
		si.ReplyToID = ptr(bodyID(bad, "reply_to_id", in.ReplyToID))
		if err := bad.Err(); err != nil {
			return err
		}
	}
	m, err := s.Service.SendMessage(r.Context(), principal(r.Context()), id, si)
	if err != nil {
		return err
	}
	m.Attachments = s.signedAttachments(principal(r.Context()).TenantID, m.Attachments)
	writeJSON(w, http.StatusCreated, map[string]any{"message": m})
	return nil
}

type noteRequest struct {
	Content        string   `json:"content"`
	MentionedUsers []string `json:"mentioned_users"`
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "conversationId")
	if err != nil {
		return err
	}
	var in noteRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	bad := inbox.Fields{}
	ni := inbox.NoteInput{Content: in.Content, MentionedUsers: bodyIDs(bad, "mentioned_users", in.MentionedUsers)}
	if err := bad.Err(); err != nil {
		return err
	}
	m, err := s.Service.AddNote(r.Context(), principal(r.Context()), id, ni)
	if err != nil {
		return err
	}
	if m.MentionedUsers == nil {
		m.MentionedUsers = []inbox.UserRef{}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": noteView{Message: m, MentionedUsers: m.MentionedUsers}})
	return nil
}

// noteView always shows mentioned_users, even when empty.
type noteView struct {
	inbox.Message
	MentionedUsers []inbox.UserRef `json:"mentioned_users"`
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "conversationId")
	if err != nil {
		return err
	}
	n, err := s.Service.MarkRead(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation_id": id, "marked_read": n})
	return nil
}

type tagRequest struct {
	TagID string `json:"tag_id"`
}

func (s *Server) addTag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "conversationId")
	if err != nil {
		return err
	}
	var in tagRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	bad := inbox.Fields{}
	tagID := bodyID(bad, "tag_id", in.TagID)
	if err := bad.Err(); err != nil {
		return err
	}
	t, err := s.Service.AddTag(r.Context(), principal(r.Context()), id, tagID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tag": t})
	return nil
}

func (s *Server) removeTag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "conversationId")
	if err != nil {
		return err
	}
	tagID, err := pathID(r, "tagId")
	if err != nil {
		return err
	}
	if err := s.Service.RemoveTag(r.Context(), principal(r.Context()), id, tagID); err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, map[string]any{"success": true, "message": "Tag removed successfully"})
	return nil
}

// statisticsResponse is the v1 statistics, with the averages both in the document's human
// form and in seconds.
type statisticsResponse struct {
	Total                   int                       `json:"total_conversations"`
	Active                  int                       `json:"active_conversations"`
	Pending                 int                       `json:"pending_conversations"`
	Closed                  int                       `json:"closed_conversations"`
	AvgResolution           *string                   `json:"average_resolution_time"`
	AvgFirstResponse        *string                   `json:"average_first_response_time"`
	AvgResolutionSeconds    *float64                  `json:"average_resolution_time_seconds"`
	AvgFirstResponseSeconds *float64                  `json:"average_first_response_time_seconds"`
	ByChannel               map[inbox.ChannelKind]int `json:"conversation_by_channel"`
	ByStatus                map[inbox.Status]int      `json:"conversation_by_status"`
	ByDay                   map[string]int            `json:"conversation_by_day"`
	FirstResponse           *distributionResponse     `json:"first_response,omitempty"`
	Resolution              *distributionResponse     `json:"resolution,omitempty"`
	Agents                  []agentReportResponse     `json:"agents,omitzero"`
}

// distributionResponse is an inbox.Distribution in seconds.
type distributionResponse struct {
	Count   int              `json:"count"`
	Median  *float64         `json:"median_seconds"`
	P75     *float64         `json:"p75_seconds"`
	P90     *float64         `json:"p90_seconds"`
	P95     *float64         `json:"p95_seconds"`
	Buckets []bucketResponse `json:"buckets"`
}

type bucketResponse struct {
	UpTo  *float64 `json:"up_to_seconds"` // nil for the last, unbounded one
	Count int      `json:"count"`
}

type agentReportResponse struct {
	UserID              uuid.UUID `json:"user_id"`
	FirstName           string    `json:"first_name"`
	LastName            string    `json:"last_name"`
	Active              bool      `json:"active"`
	Open                int       `json:"open"`
	Resolved            int       `json:"resolved"`
	MedianFirstResponse *float64  `json:"median_first_response_seconds"`
	MedianResolution    *float64  `json:"median_resolution_seconds"`
}

// statisticsIncludes are the values of the statistics' include parameter.
var statisticsIncludes = map[string]func(f *inbox.StatsFilter){
	"distributions": func(f *inbox.StatsFilter) { f.Distributions = true },
	"agents":        func(f *inbox.StatsFilter) { f.Agents = true },
}

func (s *Server) statistics(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := inbox.StatsFilter{Start: q.date("start_date"), End: q.date("end_date"), TeamID: q.id("team_id")}
	if f.End != nil {
		f.End = ptr(f.End.AddDate(0, 0, 1)) // end_date is inclusive
	}
	if f.Start != nil && f.End != nil && !f.Start.Before(*f.End) {
		q.bad.Add("end_date", "end_date must not be before start_date")
	}
	for v := range strings.SplitSeq(q.v.Get("include"), ",") {
		if set, ok := statisticsIncludes[strings.TrimSpace(v)]; ok {
			set(&f)
		} else if strings.TrimSpace(v) != "" {
			q.bad.Add("include", "Must be a comma-separated list of: agents, distributions")
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	st, err := s.Service.Statistics(r.Context(), principal(r.Context()), f)
	if err != nil {
		return err
	}
	byStatus := map[inbox.Status]int{}
	for _, k := range inbox.Statuses {
		byStatus[k] = st.ByStatus[k]
	}
	writeJSON(w, http.StatusOK, statisticsResponse{
		Total: st.Total, Active: byStatus[inbox.StatusActive], Pending: byStatus[inbox.StatusPending], Closed: byStatus[inbox.StatusClosed],
		AvgResolution: humanDuration(st.AvgResolutionSeconds), AvgFirstResponse: humanDuration(st.AvgFirstResponseSeconds),
		AvgResolutionSeconds: roundSeconds(st.AvgResolutionSeconds), AvgFirstResponseSeconds: roundSeconds(st.AvgFirstResponseSeconds),
		ByChannel: orEmpty(st.ByChannel), ByStatus: byStatus, ByDay: orEmpty(st.ByDay),
		FirstResponse: distributionOf(st.FirstResponse), Resolution: distributionOf(st.Resolution), Agents: agentReportsOf(st.Agents),
	})
	return nil
}

func distributionOf(d *inbox.Distribution) *distributionResponse {
	if d == nil {
		return nil
	}
	out := &distributionResponse{Count: d.Count, Median: seconds(d.Median), P75: seconds(d.P75), P90: seconds(d.P90), P95: seconds(d.P95),
		Buckets: make([]bucketResponse, len(d.Buckets))}
	for i, n := range d.Buckets {
		out.Buckets[i].Count = n
		if i < len(inbox.DistributionBounds) {
			out.Buckets[i].UpTo = seconds(&inbox.DistributionBounds[i])
		}
	}
	return out
}

func agentReportsOf(list []inbox.AgentReport) []agentReportResponse {
	if list == nil {
		return nil
	}
	out := make([]agentReportResponse, len(list))
	for i, a := range list {
		out[i] = agentReportResponse{UserID: a.User.ID, FirstName: a.User.FirstName, LastName: a.User.LastName, Active: a.Active,
			Open: a.Open, Resolved: a.Resolved, MedianFirstResponse: seconds(a.MedianFirstResponse), MedianResolution: seconds(a.MedianResolution)}
	}
	return out
}

// seconds is d in seconds; nil for nil.
func seconds(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	return ptr(d.Seconds())
}

func orEmpty[K comparable](m map[K]int) map[K]int {
	if m == nil {
		return map[K]int{}
	}
	return m
}

func roundSeconds(s *float64) *float64 {
	if s == nil {
		return nil
	}
	return ptr(math.Round(*s))
}

// humanDuration writes seconds the way the v1 document does: the two largest units,
// e.g. "2h 45m", "5m 20s", "3d 4h", "45s".
func humanDuration(sec *float64) *string {
	if sec == nil {
		return nil
	}
	total := int64(math.Round(*sec))
	units := []struct {
		n    int64
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}}
	for i, u := range units {
		if total < u.n && u.n > 1 {
			continue
		}
		out := fmt.Sprintf("%d%s", total/u.n, u.name)
		if i+1 < len(units) {
			next := units[i+1]
			if rest := total % u.n / next.n; rest > 0 {
				out += fmt.Sprintf(" %d%s", rest, next.name)
			}
		}
		return &out
	}
	return ptr("0s")
}

func ptr[T any](v T) *T { return &v }
