// Package store names everything the databases keep: each use-case package owns the small
// interface it needs, and one database object (SQLite or PostgreSQL, over sqlstore)
// implements them all.
package store

import (
	"github.com/teaminbox/teaminbox/internal/apikeys"
	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/templates"
	"github.com/teaminbox/teaminbox/internal/tenancy"
	"github.com/teaminbox/teaminbox/internal/tenantdata"
	"github.com/teaminbox/teaminbox/internal/twofactor"
)

// Store is every store interface the server wires, as one database implements them.
type Store interface {
	inbox.Store
	audit.Store
	channels.UploadStore
	templates.Store
	tenantdata.Store
	twofactor.Store
	apikeys.Store
	tenancy.Store
}
