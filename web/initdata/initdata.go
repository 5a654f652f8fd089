// Package initdata checks the launch data a Telegram Mini App sends
// (Telegram.WebApp.initData) as Telegram specifies in "Validating data
// received via the Mini App" (https://core.telegram.org/bots/webapps):
//
//	secret_key       = HMAC-SHA256(key "WebAppData", message <bot token>)
//	data_check_string = the "key=value" pairs except hash, sorted by key, joined by "\n"
//	hash             = hex(HMAC-SHA256(key secret_key, message data_check_string))
//
// Why our own package instead of Telegram-Mini-Apps/init-data-golang: the
// check is forty lines of the standard library, that library compares the
// hash with == (not in constant time), and it parses fields we never use.
// Here the comparison is hmac.Equal, duplicated keys are refused (Telegram
// never sends them, and a second value would be an ambiguity an attacker
// could use), and the clock is passed in so tests never wait.
//
// The package imports only the standard library.
package initdata

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Errors Validate returns; every one of them means "not authenticated".
var (
	ErrMissing   = errors.New("initdata: empty")
	ErrMalformed = errors.New("initdata: malformed")
	ErrSignature = errors.New("initdata: bad signature")
	ErrExpired   = errors.New("initdata: too old")
	ErrNoUser    = errors.New("initdata: no user")
)

// futureSkew is how far in the future auth_date may be (the client's and
// the server's clocks differ a little; Telegram signs with its own clock).
const futureSkew = time.Minute

// maxLen bounds the raw data accepted: real initData is well under 4 KB.
const maxLen = 8 << 10

// User is the Telegram user who opened the app.
type User struct {
	ID           int64  `json:"id"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

// Data is checked launch data.
type Data struct {
	User       User
	AuthDate   time.Time
	QueryID    string
	StartParam string
	ChatType   string
}

// Validate checks raw, the exact initData string, against botToken and
// returns its content. It refuses data whose auth_date is older than maxAge
// at now (maxAge <= 0 disables the age check: only tests should do that),
// data signed in the future beyond a minute's skew, a missing or wrong hash,
// duplicated keys, and data without a user. The hash comparison takes the
// same time whatever the bytes.
func Validate(raw, botToken string, maxAge time.Duration, now time.Time) (Data, error) {
	if raw == "" {
		return Data{}, ErrMissing
	}
	if len(raw) > maxLen {
		return Data{}, ErrMalformed
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		return Data{}, ErrMalformed
	}
	for _, v := range values {
		if len(v) != 1 {
			return Data{}, ErrMalformed
		}
	}
	got, err := hex.DecodeString(values.Get("hash"))
	if err != nil || len(got) != sha256.Size {
		return Data{}, ErrSignature
	}
	if !hmac.Equal(got, sum(values, botToken)) {
		return Data{}, ErrSignature
	}
	secs, err := strconv.ParseInt(values.Get("auth_date"), 10, 64)
	if err != nil || secs <= 0 {
		return Data{}, ErrMalformed
	}
	auth := time.Unix(secs, 0)
	if auth.After(now.Add(futureSkew)) || (maxAge > 0 && now.Sub(auth) > maxAge) {
		return Data{}, ErrExpired
	}
	d := Data{AuthDate: auth, QueryID: values.Get("query_id"), StartParam: values.Get("start_param"), ChatType: values.Get("chat_type")}
	if err := json.Unmarshal([]byte(values.Get("user")), &d.User); err != nil || d.User.ID == 0 {
		return Data{}, ErrNoUser
	}
	return d, nil
}

// Sign returns initData carrying values and authDate, signed with botToken as
// Telegram signs it. The demo uses it to open the app as a chosen demo user
// in a desktop browser, and tests use it; the bot itself never needs it.
func Sign(values url.Values, botToken string, authDate time.Time) string {
	v := url.Values{}
	for k, vs := range values {
		if k != "hash" && len(vs) > 0 {
			v.Set(k, vs[0])
		}
	}
	v.Set("auth_date", strconv.FormatInt(authDate.Unix(), 10))
	v.Set("hash", hex.EncodeToString(sum(v, botToken)))
	return v.Encode()
}

// UserField is the JSON of the user field for u, for Sign.
func UserField(u User) string {
	b, _ := json.Marshal(u) // a struct of strings and an int always marshals
	return string(b)
}

// sum is the HMAC of values' data-check string (the pairs sorted by key)
// under botToken's secret key.
func sum(values url.Values, botToken string) []byte {
	keys := make([]string, 0, len(values))
	for k := range values {
		if k != "hash" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = k + "=" + values.Get(k)
	}
	secret := mac([]byte("WebAppData"), []byte(botToken))
	return mac(secret, []byte(strings.Join(pairs, "\n")))
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}
