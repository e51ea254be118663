package pgtest

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// Port is the loopback TCP port the server listens on, for a test that
// puts a proxy in front of it.
func (s *Server) Port() int { return s.port }

// URL addresses database over TCP as the superuser postgres, who needs no
// password, so a caller can connect without any secret to hand around.
func (s *Server) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, url.PathEscape(database))
}

// Exec runs one statement as the superuser in the postgres database, for
// what a caller must do outside its own database (roles, for instance).
func (s *Server) Exec(ctx context.Context, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: connect to 127.0.0.1:%d/postgres: %w", s.port, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("pgtest: %s: %w", sql, err)
	}
	return nil
}

// CreateDB creates the empty database name and returns its URL: each user
// of a server (a test, a load-test run) writes to a database of its own,
// so none sees another's rows.
func (s *Server) CreateDB(ctx context.Context, name string) (string, error) {
	// Exec's error names the statement, and so the database.
	if err := s.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	return s.URL(name), nil
}

// DropDB drops the database name, closing any connection still open to it
// (a killed process's may linger), so a caller can drop what it made
// without tracking who still holds it. A database that does not exist is
// no error.
func (s *Server) DropDB(ctx context.Context, name string) error {
	return s.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}
