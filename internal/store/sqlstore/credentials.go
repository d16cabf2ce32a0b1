package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/apikeys"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/twofactor"
)

// The users' second factors (twofactor.Store) and personal API keys (apikeys.Store).

var (
	_ twofactor.Store = (*Store)(nil)
	_ apikeys.Store   = (*Store)(nil)
)

func (s *Store) GetTwoFactor(ctx context.Context, tenant, user uuid.UUID) (twofactor.State, error) {
	var st twofactor.State
	err := s.scanOne(ctx, "get two-factor", `SELECT secret, enabled_at, last_step,
		(SELECT COUNT(*) FROM two_factor_recovery_codes r WHERE r.tenant_id = t.tenant_id AND r.user_id = t.user_id AND r.used_at IS NULL)
		FROM two_factor t WHERE t.tenant_id = ? AND t.user_id = ?`, []any{tenant, user},
		&st.Sealed, optTimeCol{&st.EnabledAt}, &st.LastStep, &st.RecoveryCodes)
	return st, err
}

func (s *Store) SaveTwoFactorSecret(ctx context.Context, tenant, user uuid.UUID, sealed []byte, at time.Time) error {
	res, err := s.execWrite(ctx, `INSERT INTO two_factor (user_id, tenant_id, secret, last_step, created_at) VALUES (?, ?, ?, 0, ?)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = 0, created_at = excluded.created_at
		WHERE two_factor.enabled_at IS NULL AND two_factor.tenant_id = excluded.tenant_id`, user, tenant, sealed, micros(at))
	if err != nil {
		return fmt.Errorf("save two-factor secret: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("save two-factor secret: enabled already: %w", inbox.ErrDuplicate)
	}
	return nil
}

func (s *Store) EnableTwoFactor(ctx context.Context, tenant, user uuid.UUID, step int64, recoveryHashes []string, at time.Time) error {
	return s.tx(ctx, func(q *queries) error {
		res, err := q.exec(ctx, `UPDATE two_factor SET enabled_at = ?, last_step = ? WHERE tenant_id = ? AND user_id = ? AND enabled_at IS NULL`,
			micros(at), step, tenant, user)
		if err != nil {
			return fmt.Errorf("enable two-factor: %w", err)
		}
		if err := affected(res, "enable two-factor"); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `DELETE FROM two_factor_recovery_codes WHERE tenant_id = ? AND user_id = ?`, tenant, user); err != nil {
			return fmt.Errorf("enable two-factor: clear recovery codes: %w", err)
		}
		for _, h := range recoveryHashes {
			if _, err := q.exec(ctx, `INSERT INTO two_factor_recovery_codes (user_id, tenant_id, code_hash) VALUES (?, ?, ?)`, user, tenant, h); err != nil {
				return fmt.Errorf("enable two-factor: recovery code: %w", err)
			}
		}
		return nil
	})
}

func (s *Store) DisableTwoFactor(ctx context.Context, tenant, user uuid.UUID) error {
	return s.tx(ctx, func(q *queries) error {
		if _, err := q.exec(ctx, `DELETE FROM two_factor_recovery_codes WHERE tenant_id = ? AND user_id = ?`, tenant, user); err != nil {
			return fmt.Errorf("disable two-factor: recovery codes: %w", err)
		}
		res, err := q.exec(ctx, `DELETE FROM two_factor WHERE tenant_id = ? AND user_id = ? AND enabled_at IS NOT NULL`, tenant, user)
		if err != nil {
			return fmt.Errorf("disable two-factor: %w", err)
		}
		return affected(res, "disable two-factor")
	})
}

func (s *Store) UseTwoFactorStep(ctx context.Context, tenant, user uuid.UUID, step int64) error {
	res, err := s.execWrite(ctx, `UPDATE two_factor SET last_step = ? WHERE tenant_id = ? AND user_id = ? AND enabled_at IS NOT NULL AND last_step < ?`,
		step, tenant, user, step)
	if err != nil {
		return fmt.Errorf("use two-factor step: %w", err)
	}
	return affected(res, "use two-factor step")
}

func (s *Store) UseRecoveryCode(ctx context.Context, tenant, user uuid.UUID, hash string, at time.Time) error {
	res, err := s.execWrite(ctx, `UPDATE two_factor_recovery_codes SET used_at = ? WHERE tenant_id = ? AND user_id = ? AND code_hash = ? AND used_at IS NULL`,
		micros(at), tenant, user, hash)
	if err != nil {
		return fmt.Errorf("use recovery code: %w", err)
	}
	return affected(res, "use recovery code")
}

const apiKeyColumns = `id, tenant_id, user_id, name, prefix, key_hash, role, created_at, last_used_at`

func apiKeyDest(k *apikeys.Key) []any {
	return []any{&k.ID, &k.TenantID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &k.Role, timeCol{&k.CreatedAt}, optTimeCol{&k.LastUsedAt}}
}

func (s *Store) CreateAPIKey(ctx context.Context, k apikeys.Key) error {
	_, err := s.execWrite(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.TenantID, k.UserID, k.Name, k.Prefix, k.Hash, k.Role, micros(k.CreatedAt), optMicros(k.LastUsedAt))
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

func (s *Store) ListAPIKeys(ctx context.Context, tenant, user uuid.UUID) ([]apikeys.Key, error) {
	query, args := `SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id`, []any{tenant}
	if user != uuid.Nil {
		query, args = `SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = ? AND user_id = ? ORDER BY created_at, id`, []any{tenant, user}
	}
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return collect(rows, "list api keys", apiKeyDest)
}

func (s *Store) GetAPIKey(ctx context.Context, tenant, id uuid.UUID) (apikeys.Key, error) {
	var k apikeys.Key
	err := s.scanOne(ctx, "get api key", `SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = ? AND id = ?`, []any{tenant, id}, apiKeyDest(&k)...)
	return k, err
}

func (s *Store) GetAPIKeyByHash(ctx context.Context, hash string) (apikeys.Key, error) {
	var k apikeys.Key
	err := s.scanOne(ctx, "get api key by hash", `SELECT `+apiKeyColumns+` FROM api_keys WHERE key_hash = ?`, []any{hash}, apiKeyDest(&k)...)
	return k, err
}

func (s *Store) DeleteAPIKey(ctx context.Context, tenant, id uuid.UUID) error {
	res, err := s.execWrite(ctx, `DELETE FROM api_keys WHERE tenant_id = ? AND id = ?`, tenant, id)
	if err != nil {
		return fmt.Errorf("delete api key: %w", err)
	}
	return affected(res, "delete api key")
}

func (s *Store) TouchAPIKey(ctx context.Context, id uuid.UUID, at time.Time) error {
	res, err := s.execWrite(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, micros(at), id)
	if err != nil {
		return fmt.Errorf("touch api key: %w", err)
	}
	return affected(res, "touch api key")
}
