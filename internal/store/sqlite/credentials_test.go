package sqlite_test

import (
	"testing"

	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

func TestCredentials(t *testing.T) { storetest.RunCredentials(t, storetest.OpenSQLite) }
