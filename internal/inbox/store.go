package inbox

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Store is the persistence the use cases need. Two implementations (SQLite and PostgreSQL)
// pass one conformance suite. Every method that takes a tenant scopes its query by it: a row
// of another tenant is ErrNotFound, never returned.
type Store interface {
	Queries
	// InTx runs fn in one transaction: all of fn's writes commit together or not at all.
	// When ctx ends while fn waits for its turn, InTx returns ctx's error and fn never runs;
	// once fn has started, InTx reports the transaction's outcome.
	InTx(ctx context.Context, fn func(q Queries) error) error
	// NumberEvents numbers up to limit events stored unnumbered (see Queries.AppendEvent),
	// oldest first, in a transaction of its own, and returns them once committed, in seq
	// order per tenant. A store that numbers events as it stores them has none.
	NumberEvents(ctx context.Context, limit int) ([]Event, error)
	Ping(ctx context.Context) error
	Close() error
}

// Queries is every read and write, usable on the store or inside InTx, made of one small
// interface per concern. Missing rows are ErrNotFound and unique-key clashes ErrDuplicate
// (both wrapped).
type Queries interface {
	TenantQueries
	UserQueries
	ContactQueries
	ChannelQueries
	CampaignQueries
	TagQueries
	ConversationQueries
	MessageQueries
	CallQueries
	WindowQueries
	OutboxQueries
	StatsQueries
	EventQueries
	TeamQueries
	AvailabilityQueries
}

// TenantQueries reads and writes tenants (businesses).
type TenantQueries interface {
	CreateTenant(ctx context.Context, t Tenant) error
	GetTenant(ctx context.Context, id uuid.UUID) (Tenant, error)
	ListTenants(ctx context.Context) ([]Tenant, error)
}

// UserQueries reads and writes a tenant's users.
type UserQueries interface {
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, tenant, id uuid.UUID) (User, error)
	// GetUserByEmail looks the email up across tenants (emails are unique), for login.
	GetUserByEmail(ctx context.Context, email string) (User, error)
	ListUsers(ctx context.Context, tenant uuid.UUID) ([]User, error)
	// SetUserDeactivated sets (a time) or clears (nil) when the user was deactivated; a
	// deactivation of the tenant's last active super admin is ErrLastSuperAdmin.
	SetUserDeactivated(ctx context.Context, tenant, id uuid.UUID, at *time.Time) error
}

// ContactQueries reads and writes contacts and the addresses that tie them to channels.
type ContactQueries interface {
	CreateContact(ctx context.Context, c Contact) error
	// UpdateContact writes names, phone, email, country code and UpdatedAt.
	UpdateContact(ctx context.Context, c Contact) error
	GetContact(ctx context.Context, tenant, id uuid.UUID) (Contact, error)
	ListContacts(ctx context.Context, tenant uuid.UUID, f ContactFilter) ([]Contact, int, error)
	// AddContactIdentity ties a contact to an address on a channel; ErrDuplicate if the
	// address is already tied to a contact on that channel.
	AddContactIdentity(ctx context.Context, tenant, contactID uuid.UUID, id ContactIdentity) error
	FindContactByIdentity(ctx context.Context, tenant uuid.UUID, id ContactIdentity) (Contact, error)
	// ContactIdentities lists a contact's addresses, to send a reply through its channel.
	ContactIdentities(ctx context.Context, tenant, contactID uuid.UUID) ([]ContactIdentity, error)
}

// ChannelQueries reads and writes channel accounts.
type ChannelQueries interface {
	CreateChannel(ctx context.Context, c Channel) error
	// UpdateChannel writes name, config and disabled_at.
	UpdateChannel(ctx context.Context, c Channel) error
	// DeleteChannel is ErrInUse while conversations of the channel exist.
	DeleteChannel(ctx context.Context, tenant, id uuid.UUID) error
	GetChannel(ctx context.Context, tenant, id uuid.UUID) (Channel, error)
	// LookupChannel finds a channel by id alone: webhooks arrive on a per-channel URL
	// before any tenant is known.
	LookupChannel(ctx context.Context, id uuid.UUID) (Channel, error)
	ListChannels(ctx context.Context, tenant uuid.UUID) ([]Channel, error)
	// ChannelHealth reads the traffic figures of a channel (whose tenant the caller checked):
	// failed sends are counted from since.
	ChannelHealth(ctx context.Context, channelID uuid.UUID, since time.Time) (ChannelHealth, error)
}

// CampaignQueries writes campaigns and their broadcasts.
type CampaignQueries interface {
	CreateCampaign(ctx context.Context, c Campaign) error
	CreateBroadcast(ctx context.Context, b Broadcast) error
	GetBroadcast(ctx context.Context, tenant, id uuid.UUID) (Broadcast, error)
}

// TagQueries reads and writes tag definitions.
type TagQueries interface {
	CreateTag(ctx context.Context, t Tag) error // ErrDuplicate on a name the tenant already has
	UpdateTag(ctx context.Context, t Tag) error // writes name and color; ErrDuplicate as above
	// DeleteTag removes the tag and its uses on conversations.
	DeleteTag(ctx context.Context, tenant, id uuid.UUID) error
	GetTag(ctx context.Context, tenant, id uuid.UUID) (Tag, error)
	ListTags(ctx context.Context, tenant uuid.UUID) ([]Tag, error)
}

// ConversationQueries reads and writes conversations and their tags.
type ConversationQueries interface {
	// CreateConversation stores a new conversation (status, priority, links, timestamps).
	CreateConversation(ctx context.Context, c Conversation) error
	// GetConversation returns the conversation with its joined fields (contact, channel,
	// assignee, team, broadcast with campaign name, tags, last message).
	GetConversation(ctx context.Context, tenant, id uuid.UUID) (Conversation, error)
	// LockConversation is GetConversation that also locks the row until the transaction
	// ends (SELECT ... FOR UPDATE where the database has it), for read-modify-write.
	LockConversation(ctx context.Context, tenant, id uuid.UUID) (Conversation, error)
	// FindOpenConversation returns the id of the newest conversation of the contact on the
	// channel whose status is not closed.
	FindOpenConversation(ctx context.Context, tenant, contactID, channelID uuid.UUID) (uuid.UUID, error)
	// LockOpenConversation is LockConversation of the conversation FindOpenConversation
	// finds, in one statement.
	LockOpenConversation(ctx context.Context, tenant, contactID, channelID uuid.UUID) (Conversation, error)
	// ListConversations returns one page of the filtered list and the total count, each
	// row with its joined fields, without one query per row.
	ListConversations(ctx context.Context, tenant uuid.UUID, f ConversationFilter) ([]Conversation, int, error)
	// SearchConversations returns the page of a search (f.Search, with f's other filters)
	// in the list's default order, newest activity first, that starts after the cursor (at
	// the top when nil). Its reads are bounded by the page, not by the number of matches.
	// f's page and sort are ignored.
	SearchConversations(ctx context.Context, tenant uuid.UUID, f ConversationFilter, after *ListCursor) (SearchPage, error)
	// SaveConversation writes the mutable fields: type, status, priority, category, assigned
	// user and team, resolved_at, closed_at, updated_at.
	SaveConversation(ctx context.Context, c Conversation) error
	// AddConversationTag reports false when the tag was already on the conversation.
	AddConversationTag(ctx context.Context, tenant, conversationID, tagID uuid.UUID) (bool, error)
	// RemoveConversationTag reports false when the tag was not on the conversation.
	RemoveConversationTag(ctx context.Context, tenant, conversationID, tagID uuid.UUID) (bool, error)
}

// MessageQueries reads and writes messages, their delivery steps and reactions.
type MessageQueries interface {
	// InsertMessage stores m (and its MentionedUsers' ids) and applies touch to its
	// conversation, returning the conversation's touched fields as stored. A message whose
	// ProviderMessageID is set and already stored on the same channel is not stored again:
	// it returns nil and no error.
	InsertMessage(ctx context.Context, m Message, touch Touch) (*Touched, error)
	// GetMessage returns the message with its mentioned users.
	GetMessage(ctx context.Context, tenant, id uuid.UUID) (Message, error)
	// ListMessages returns one page of a conversation's messages, oldest first within the
	// page, and the total count of messages the filter admits.
	ListMessages(ctx context.Context, tenant, conversationID uuid.UUID, p MessagePage) ([]Message, int, error)
	// MarkConversationRead marks every unread inbound message of the conversation read by
	// an agent and sets its unread count to 0; it returns how many messages changed.
	MarkConversationRead(ctx context.Context, tenant, conversationID uuid.UUID) (int, error)
	// FindMessageByProviderID finds a message by the provider's id on a channel.
	FindMessageByProviderID(ctx context.Context, channelID uuid.UUID, providerID string) (Message, error)
	// SetProviderMessageID records the provider's id of an outbound message.
	SetProviderMessageID(ctx context.Context, tenant, messageID uuid.UUID, providerID string) error
	// SetMessageReactions replaces a message's reactions (removals included, see Reaction).
	SetMessageReactions(ctx context.Context, tenant, messageID uuid.UUID, reactions []Reaction) error
	// ApplyMessageStatus moves a message's delivery status forward: it applies ch only when
	// ch.Status supersedes the current status (see DeliveryStatus.Supersedes), sets the
	// matching timestamp (sent_at, delivered_at, read_at, failed_at) and error, and records ch
	// in the history. A ch that does not apply is not recorded, except a queued ch on a queued message:
	// a failed send attempt to be retried, kept in the history. It reports whether it applied.
	ApplyMessageStatus(ctx context.Context, tenant, messageID uuid.UUID, ch StatusChange) (bool, error)
	// MessageStatusHistory lists a message's delivery steps, oldest first.
	MessageStatusHistory(ctx context.Context, tenant, messageID uuid.UUID) ([]StatusChange, error)
	// ParkReceipt keeps a receipt whose provider id is not known yet (it can beat the
	// send's response); TakeParkedReceipts returns and deletes them once it is.
	ParkReceipt(ctx context.Context, channelID uuid.UUID, providerID string, ch StatusChange) error
	TakeParkedReceipts(ctx context.Context, channelID uuid.UUID, providerID string) ([]StatusChange, error)
}

// CallQueries remembers the calls voice channels answered.
type CallQueries interface {
	// SaveCall remembers a call a voice channel answered; one already saved stays as it is.
	SaveCall(ctx context.Context, c Call) error
	// GetCall finds a call by the provider's call id on a channel.
	GetCall(ctx context.Context, channelID uuid.UUID, sid string) (Call, error)
	// MarkCallRecording records that the caller reached the voicemail recording.
	MarkCallRecording(ctx context.Context, channelID uuid.UUID, sid string) error
}

// WindowQueries finds and marks the reply windows that closed.
type WindowQueries interface {
	// ExpiredReplyWindows lists up to limit conversations, oldest window first, whose last
	// inbound message is before `before` and whose window has not been swept yet, on any
	// channel; Announce is set on open WhatsApp conversations. It reads only those windows.
	ExpiredReplyWindows(ctx context.Context, before time.Time, limit int) ([]WindowRef, error)
	// MarkReplyWindowClosed records that the window opened by lastInbound has been swept
	// (announced where it is announced); false when it already was, or a newer message
	// reopened it.
	MarkReplyWindowClosed(ctx context.Context, tenant, conversationID uuid.UUID, lastInbound time.Time) (bool, error)
}

// OutboxQueries is the queue of outbound sends.
type OutboxQueries interface {
	// EnqueueOutbound adds an outbox item at the end of its conversation's queue; the worker
	// sends it. The caller holds the conversation's lock (LockConversation), which orders
	// the queue.
	EnqueueOutbound(ctx context.Context, item OutboxItem) error
	// ClaimOutbound leases up to limit items due at now for lease, so no other worker
	// (on this node or another) takes them meanwhile; attempts is incremented and each item
	// gets a new random Claim, which the calls below require. An item is not claimed while
	// an item queued before it in its conversation is still in the outbox (being sent, or
	// waiting for a retry): a conversation's replies leave in order, one at a time.
	ClaimOutbound(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error)
	// ExtendOutbound moves the end of a claimed item's lease to until.
	// The three calls on a claimed item are ErrNotFound, and change nothing, once the item is
	// gone or claimed again (its lease ended and another worker took it).
	ExtendOutbound(ctx context.Context, id uuid.UUID, claim string, until time.Time) error
	// CompleteOutbound removes a sent or permanently failed item.
	CompleteOutbound(ctx context.Context, id uuid.UUID, claim string) error
	// RetryOutbound releases an item to be tried again at `at`, with the last error.
	RetryOutbound(ctx context.Context, id uuid.UUID, claim string, at time.Time, lastError string) error
	// OutboxBacklog counts the items waiting in the outbox (being sent or to be retried).
	OutboxBacklog(ctx context.Context) (OutboxBacklog, error)
	// SetSendAttempts records on an outbound message how many send attempts were made and
	// the last one's error ("" when it went out).
	SetSendAttempts(ctx context.Context, tenant, messageID uuid.UUID, attempts int, lastError string) error
}

// StatsQueries computes the statistics and the all-channel message list.
type StatsQueries interface {
	// ConversationStats computes the v1 statistics.
	ConversationStats(ctx context.Context, tenant uuid.UUID, f StatsFilter) (ConversationStats, error)
	// InboxStats computes the team-inbox statistics with the agent workload.
	InboxStats(ctx context.Context, tenant uuid.UUID, now time.Time) (InboxStats, error)
	// ListInboxMessages lists messages across the tenant's conversations, newest first.
	ListInboxMessages(ctx context.Context, tenant uuid.UUID, f InboxMessageFilter) ([]InboxMessage, error)
}

// EventQueries is the tenant's numbered event log.
type EventQueries interface {
	// AppendEvent stores e and gives it the tenant's next sequence number (e.Seq), or leaves
	// it unnumbered (e.Seq 0) for NumberEvents to number once the transaction has committed.
	AppendEvent(ctx context.Context, e *Event) error
	// EventsSince returns up to limit events with Seq > after, in order, and the oldest
	// Seq still retained (0 when the log is empty).
	EventsSince(ctx context.Context, tenant uuid.UUID, after int64, limit int) ([]Event, int64, error)
	// LatestSeq is the tenant's newest committed event's Seq (0 when there is none).
	LatestSeq(ctx context.Context, tenant uuid.UUID) (int64, error)
	// PruneEvents deletes events created before `before`, keeping each tenant's newest.
	PruneEvents(ctx context.Context, before time.Time) (int, error)
}

// Touch is what a new message changes on its conversation, computed by the use case and
// applied by the store in the same transaction as the insert.
type Touch struct {
	// LastMessage replaces the conversation's last message and last_message_at when set.
	LastMessage *MessageSummary
	// UnreadDelta is added to the unread count (1 for an inbound message).
	UnreadDelta int
	// InboundAt moves last_inbound_at (the WhatsApp window) forward to it, never back.
	InboundAt *time.Time
	// FirstResponseAt sets first_response_at when set and it is still null.
	FirstResponseAt *time.Time
	UpdatedAt       time.Time
}

// Touched is a conversation's state after a message touched it.
type Touched struct {
	UnreadCount     int
	LastMessage     *MessageSummary
	LastMessageAt   *time.Time
	LastInboundAt   *time.Time
	FirstResponseAt *time.Time
	UpdatedAt       time.Time
}

// ApplyTo copies the touched fields onto c, which the message's transaction has locked.
func (t *Touched) ApplyTo(c *Conversation) {
	c.UnreadCount, c.LastMessage, c.LastMessageAt = t.UnreadCount, t.LastMessage, t.LastMessageAt
	c.LastInboundAt, c.FirstResponseAt, c.UpdatedAt = t.LastInboundAt, t.FirstResponseAt, t.UpdatedAt
}

// ContactFilter selects contacts.
type ContactFilter struct {
	Search string // name, phone or email, case-insensitive substring
	Page   int    // from 1
	Limit  int
}

// Sort keys of the conversation list.
const (
	SortLastMessageAt = "last_message_at"
	SortCreatedAt     = "created_at"
	SortUpdatedAt     = "updated_at"
	SortPriority      = "priority"
	SortUnreadCount   = "unread_count"
)

// SortKeys lists the accepted sort_by values.
var SortKeys = []string{SortLastMessageAt, SortCreatedAt, SortUpdatedAt, SortPriority, SortUnreadCount}

// ConversationFilter selects and orders the conversation list. Zero values do not filter.
type ConversationFilter struct {
	Status       Status
	CampaignID   *uuid.UUID
	BroadcastID  *uuid.UUID
	ChannelKind  ChannelKind
	AssignedTo   *uuid.UUID
	Unassigned   bool // no assigned user; AssignedTo is then nil
	AssignedTeam *uuid.UUID
	NoTeam       bool       // no assigned team; AssignedTeam is then nil
	TagID        *uuid.UUID // conversations carrying the tag
	ContactID    *uuid.UUID // the contact's conversations
	// MentionedUser keeps conversations with an internal note that mentions the user. The
	// list keeps its usual order (SortBy), not the order of the mentions.
	MentionedUser *uuid.UUID
	// Search matches the contact's name or phone, or the content of a non-internal message,
	// case-insensitively, through an index (never a scan of all messages).
	Search string
	// ActiveSince keeps conversations whose last activity (last_message_at, or created_at
	// when there is no message) is at or after it.
	ActiveSince *time.Time
	Page        int // from 1
	Limit       int
	SortBy      string // one of SortKeys; ties broken by id
	SortAsc     bool
}

// ListCursor is a place in the conversation list's default order (newest activity first,
// then the greater id): the conversations after it are those below it.
type ListCursor struct {
	ActivityAt time.Time
	ID         uuid.UUID
}

// SearchPage is a page of a search in the list's default order.
type SearchPage struct {
	Conversations []Conversation
	// Counted is the number of matches from the page on that the search counted: the
	// page's own, and all the rest when finding them cost no more than the page.
	Counted int
	// More says there are matches beyond those Counted: "more than Counted".
	More bool
	// Next is where the next page starts; nil after the last.
	Next *ListCursor
}

// MessagePage selects a page of a conversation's messages: by page number, or by cursor
// (messages strictly before or after a message id, nearest first then returned oldest
// first). Page 0 with no cursor means the newest page.
type MessagePage struct {
	Page            int
	Limit           int
	Before          *uuid.UUID
	After           *uuid.UUID
	IncludeInternal bool
}

// OutboxItem is a queued outbound send.
type OutboxItem struct {
	ID          uuid.UUID
	TenantID    uuid.UUID
	MessageID   uuid.UUID
	ChannelID   uuid.UUID
	Attempts    int
	NextAttempt time.Time
	LastError   string
	CreatedAt   time.Time
	Claim       string // the token of the claim that returned the item

	// ConversationID is the message's conversation, whose replies leave in order.
	ConversationID uuid.UUID
}

// OutboxBacklog is what waits in the outbox.
type OutboxBacklog struct {
	Items  int
	Oldest *time.Time // created_at of the oldest item; nil when the outbox is empty
}

// StatsFilter narrows the v1 statistics to conversations created in [Start, End) and, when
// TeamID is set, assigned to that team. Start and End are the business's local days (their
// dates, taken as is). Distributions and Agents ask for the extras the day counters cannot
// give, read from the conversations themselves.
type StatsFilter struct {
	Start         *time.Time
	End           *time.Time
	TeamID        *uuid.UUID
	Distributions bool // fill FirstResponse and Resolution
	Agents        bool // fill Agents
}

// ConversationStats is the v1 statistics. Averages are in seconds; nil when nothing counts.
type ConversationStats struct {
	Total                   int
	ByStatus                map[Status]int
	ByChannel               map[ChannelKind]int
	ByDay                   map[string]int // YYYY-MM-DD of created_at in the tenant's time zone
	AvgResolutionSeconds    *float64       // resolved_at - created_at
	AvgFirstResponseSeconds *float64       // first_response_at - created_at
	FirstResponse           *Distribution  // with StatsFilter.Distributions
	Resolution              *Distribution  // with StatsFilter.Distributions
	Agents                  []AgentReport  // with StatsFilter.Agents: every user, active ones first, then by name
}

// DistributionBounds are the inclusive upper bounds of a Distribution's buckets but the
// last, which holds the longer times.
var DistributionBounds = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour,
	4 * time.Hour, 24 * time.Hour, 72 * time.Hour}

// Distribution is how long something took over the conversations that have it. The
// percentiles are percentile_disc: the value at rank ceil(p·Count) in ascending order; nil
// when Count is 0.
type Distribution struct {
	Count                 int
	Median, P75, P90, P95 *time.Duration
	Buckets               []int // len(DistributionBounds)+1 counts: bucket i holds bounds[i-1] < d <= bounds[i]
}

// AgentReport is a user's share of the conversations created in the range, by who is
// assigned now.
type AgentReport struct {
	User                UserRef
	Active              bool // not deactivated
	Open                int  // status active or pending
	Resolved            int  // closed, with resolved_at set
	MedianFirstResponse *time.Duration
	MedianResolution    *time.Duration
}

// InboxStats is the team-inbox statistics.
type InboxStats struct {
	TotalConversations  int
	UnreadMessages      int // sum of unread counts
	UnreadConversations int
	OpenTickets         int // status active or pending
	ByChannel           map[ChannelKind]int
	Unassigned          int // open and assigned to nobody
	Agents              []AgentLoad
}

// AgentLoad is one agent's share of the open work.
type AgentLoad struct {
	User                    UserRef
	OpenAssigned            int
	Unread                  int
	OldestWaitingSince      *time.Time // oldest last_inbound_at of its open conversations with unread messages
	AvgFirstResponseSeconds *float64   // over all conversations assigned to it
	Availability            Availability
}

// InboxMessageFilter selects the team-inbox message list.
type InboxMessageFilter struct {
	Channel        ChannelKind
	Inbound        *bool // true: from the contact; false: to the contact
	IsRead         *bool
	ContactID      *uuid.UUID
	ConversationID *uuid.UUID
	AssignedTo     *uuid.UUID
	From, To       *time.Time
	Search         string
	// IncludeInternal admits internal notes and system messages; by default the list holds
	// only what was exchanged with contacts.
	IncludeInternal bool
	Before          *uuid.UUID // cursor: messages older than this one
	Limit           int
}

// InboxMessage is a message with what the all-channel list shows about its conversation.
type InboxMessage struct {
	Message
	ContactID     uuid.UUID
	ChannelKind   ChannelKind
	LastInboundAt *time.Time // of the conversation, for the WhatsApp window
}
