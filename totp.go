package lamplighter

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"time"
)

// Rotating check-in codes (SPEC section 9): RFC 6238 TOTP with HMAC-SHA1, a
// 30-second step and 6 digits, from a per-activity secret.
const (
	CodeStep   = 30 * time.Second
	CodeDigits = 6
)

// CodeStepAt is the TOTP step number of t: whole CodeSteps since the Unix epoch.
func CodeStepAt(t time.Time) int64 { return t.Unix() / int64(CodeStep/time.Second) }

// RotatingCode is the code of step n for secret (RFC 4226 HOTP of the step
// counter, truncated to digits decimal digits, zero-padded).
func RotatingCode(secret []byte, n int64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(n))
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// CodeAt is the 6-digit code shown at time t.
func CodeAt(secret []byte, t time.Time) string {
	return RotatingCode(secret, CodeStepAt(t), CodeDigits)
}

// RotatingCodeValid reports whether code is the code of secret's current
// step at now or of the step before it: a code read from a screen works
// during its own step and the next (30–60 s), and no longer. The comparison
// takes the same time whatever the code.
func RotatingCodeValid(secret []byte, code string, now time.Time) bool {
	n := CodeStepAt(now)
	ok := 0
	for _, step := range []int64{n, n - 1} {
		ok |= subtle.ConstantTimeCompare([]byte(RotatingCode(secret, step, CodeDigits)), []byte(code))
	}
	return ok == 1
}
