// Package plantest checks the query plans of the statements on the hot paths: its test runs
// each use case against a seeded store of each kind, records the statements the store sends
// (sqlstore.Store.Observe), and explains them, failing on a full scan of a table that grows
// with traffic.
package plantest
