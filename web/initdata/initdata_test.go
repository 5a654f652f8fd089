package initdata_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter/web/initdata"
)

// The vector published with Telegram-Mini-Apps/init-data-golang's README
// (https://docs.telegram-mini-apps.com/packages/init-data-golang): real
// initData signed by Telegram for that bot token, so this test checks our
// reading of the algorithm against someone else's, not against itself.
const (
	vectorToken = "7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4"
	vectorData  = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private&auth_date=1733509682&signature=TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dnTzcZX_PDg&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73"
)

var vectorTime = time.Unix(1733509682, 0)

func TestKnownVector(t *testing.T) {
	d, err := initdata.Validate(vectorData, vectorToken, time.Hour, vectorTime.Add(time.Minute))
	if err != nil {
		t.Fatalf("Validate(known vector) = %v, want nil", err)
	}
	if d.User.ID != 279058397 || d.User.Username != "vdkfrost" || d.User.LanguageCode != "ru" || d.ChatType != "private" {
		t.Errorf("Validate(known vector) = %+v", d)
	}
	if !d.AuthDate.Equal(vectorTime) {
		t.Errorf("AuthDate = %v, want %v", d.AuthDate, vectorTime)
	}
}

func TestForgeries(t *testing.T) {
	now := vectorTime.Add(time.Minute)
	replace := func(old, new string) string {
		if !strings.Contains(vectorData, old) {
			t.Fatalf("vector has no %q", old)
		}
		return strings.Replace(vectorData, old, new, 1)
	}
	cases := []struct {
		name  string
		data  string
		token string
		now   time.Time
		want  error
	}{
		{"changed user id", replace("279058397", "279058398"), vectorToken, now, initdata.ErrSignature},
		{"changed chat type", replace("chat_type=private", "chat_type=group"), vectorToken, now, initdata.ErrSignature},
		{"changed auth date", replace("auth_date=1733509682", "auth_date=1733509683"), vectorToken, now, initdata.ErrSignature},
		{"changed hash", replace("hash=a433", "hash=b433"), vectorToken, now, initdata.ErrSignature},
		{"short hash", replace("hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73", "hash=a433"), vectorToken, now, initdata.ErrSignature},
		{"no hash", replace("&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73", ""), vectorToken, now, initdata.ErrSignature},
		{"added field", vectorData + "&start_param=admin", vectorToken, now, initdata.ErrSignature},
		{"duplicated field", vectorData + "&chat_type=private", vectorToken, now, initdata.ErrMalformed},
		{"another bot's token", vectorData, "7342037360:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4", now, initdata.ErrSignature},
		{"stale", vectorData, vectorToken, vectorTime.Add(time.Hour + time.Second), initdata.ErrExpired},
		{"from the future", vectorData, vectorToken, vectorTime.Add(-2 * time.Minute), initdata.ErrExpired},
		{"empty", "", vectorToken, now, initdata.ErrMissing},
		{"not a query", "%zz", vectorToken, now, initdata.ErrMalformed},
		{"huge", strings.Repeat("a", 9<<10), vectorToken, now, initdata.ErrMalformed},
	}
	for _, c := range cases {
		if _, err := initdata.Validate(c.data, c.token, time.Hour, c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: Validate = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestSignRoundTrip(t *testing.T) {
	const token = "123:test"
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	raw := initdata.Sign(url.Values{
		"user":      {initdata.UserField(initdata.User{ID: 1001, FirstName: "王芳", LanguageCode: "zh"})},
		"chat_type": {"private"},
	}, token, at)
	d, err := initdata.Validate(raw, token, time.Hour, at.Add(59*time.Minute))
	if err != nil {
		t.Fatalf("Validate(Sign(...)) = %v", err)
	}
	if d.User.ID != 1001 || d.User.FirstName != "王芳" {
		t.Errorf("user = %+v", d.User)
	}
	if _, err := initdata.Validate(raw, "124:test", time.Hour, at); !errors.Is(err, initdata.ErrSignature) {
		t.Errorf("Validate with another token = %v, want ErrSignature", err)
	}
	noUser := initdata.Sign(url.Values{"chat_type": {"private"}}, token, at)
	if _, err := initdata.Validate(noUser, token, time.Hour, at); !errors.Is(err, initdata.ErrNoUser) {
		t.Errorf("Validate without a user = %v, want ErrNoUser", err)
	}
}

func FuzzValidate(f *testing.F) {
	f.Add(vectorData)
	f.Add("user=%7B%7D&hash=00&auth_date=1")
	f.Fuzz(func(t *testing.T, raw string) {
		d, err := initdata.Validate(raw, vectorToken, time.Hour, vectorTime)
		if err == nil && d.User.ID == 0 {
			t.Errorf("Validate(%q) accepted data without a user", raw)
		}
	})
}
