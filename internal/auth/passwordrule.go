package auth

import (
	"strings"
	"unicode/utf8"
)

// MinPasswordLength is the fewest characters a password may have.
const MinPasswordLength = 10

// CheckPassword applies the one password rule of sign-up, setup, invitations and password
// changes: at least MinPasswordLength characters, not all one character, and not the
// account's email. The error, a *WeakPasswordError, says the rule in words for the user.
func CheckPassword(email, password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return weak("Password must have at least 10 characters")
	}
	first, _ := utf8.DecodeRuneInString(password)
	if strings.Trim(password, string(first)) == "" {
		return weak("Password must not be one character repeated")
	}
	if email != "" && strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(email)) {
		return weak("Password must not be the email address")
	}
	return nil
}

// WeakPasswordError is a password that breaks the rule; Rule says which part, as a sentence.
type WeakPasswordError struct{ Rule string }

func (e *WeakPasswordError) Error() string { return e.Rule }

func weak(rule string) error { return &WeakPasswordError{Rule: rule} }
