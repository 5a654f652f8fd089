package storage

import (
	"context"
	"fmt"
)

// totpScript runs the check-in script's TOTP on a secret (hex) and step.
var totpScript = ledgerScript(`return {'ok', totp(fromhex(ARGV[1]), tonumber(ARGV[2]))}`)

// LuaTOTP is the code the check-in script computes for secretHex at step n,
// for the tests to compare with lamplighter.RotatingCode.
func (s *Store) LuaTOTP(ctx context.Context, secretHex string, n int64) (string, error) {
	st, rest, err := s.run(ctx, "totp", totpScript, nil, secretHex, n)
	if err != nil {
		return "", err
	}
	if st != "ok" {
		return "", fmt.Errorf("totp: %s", st)
	}
	return str(rest, 0), nil
}
