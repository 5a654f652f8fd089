package telegramtest_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

type answer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  map[string]int  `json:"parameters"`
}

func call(t *testing.T, s *telegramtest.Server, method, contentType string, body []byte) (int, answer) {
	t.Helper()
	resp, err := http.Post(s.URL()+"/bot"+s.Token+"/"+method, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("%s: decode answer: %v", method, err)
	}
	return resp.StatusCode, a
}

func updateIDs(t *testing.T, a answer) []int64 {
	t.Helper()
	var us []struct {
		ID int64 `json:"update_id"`
	}
	if err := json.Unmarshal(a.Result, &us); err != nil {
		t.Fatalf("result %s: %v", a.Result, err)
	}
	var ids []int64
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	return ids
}

func TestGetUpdatesOffsetConfirms(t *testing.T) {
	s := telegramtest.NewServer(t)
	a := s.PushText(1, "/me")
	b := s.PushText(1, "/posts")

	_, got := call(t, s, "getUpdates", "application/json", []byte(`{"timeout":0}`))
	if ids := updateIDs(t, got); len(ids) != 2 || ids[0] != a || ids[1] != b {
		t.Fatalf("getUpdates = %v, want [%d %d]", ids, a, b)
	}
	// Without a higher offset nothing is confirmed.
	_, got = call(t, s, "getUpdates", "application/json", []byte(`{"timeout":0,"limit":1}`))
	if ids := updateIDs(t, got); len(ids) != 1 || ids[0] != a {
		t.Fatalf("getUpdates limit 1 = %v, want [%d]", ids, a)
	}
	_, got = call(t, s, "getUpdates", "application/json", []byte(`{"offset":`+itoa(b)+`,"timeout":0}`))
	if ids := updateIDs(t, got); len(ids) != 1 || ids[0] != b || s.Pending() != 1 {
		t.Fatalf("getUpdates offset %d = %v, pending %d; want [%d], 1 pending", b, ids, s.Pending(), b)
	}
	call(t, s, "getUpdates", "application/x-www-form-urlencoded", []byte("offset="+itoa(b+1)+"&timeout=0"))
	if s.Pending() != 0 {
		t.Errorf("%d pending after confirming everything", s.Pending())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestErrorsLikeTelegram(t *testing.T) {
	s := telegramtest.NewServer(t)
	s.FailNext(5, 1, telegramtest.TooManyRequests(3))
	s.FailNext(5, 1, telegramtest.Blocked)
	s.ConflictNext(1)

	status, a := call(t, s, "sendMessage", "application/json", []byte(`{"chat_id":5,"text":"hi"}`))
	if status != 429 || a.OK || a.ErrorCode != 429 || a.Parameters["retry_after"] != 3 || a.Description != "Too Many Requests: retry after 3" {
		t.Errorf("429 answer = %d %+v", status, a)
	}
	status, a = call(t, s, "sendMessage", "application/json", []byte(`{"chat_id":5,"text":"hi"}`))
	if status != 403 || a.Description != "Forbidden: bot was blocked by the user" {
		t.Errorf("403 answer = %d %+v", status, a)
	}
	if status, _ = call(t, s, "sendMessage", "application/json", []byte(`{"chat_id":5,"text":"hi"}`)); status != 200 {
		t.Errorf("third send = %d, want 200", status)
	}
	if status, a = call(t, s, "getUpdates", "application/json", []byte(`{"timeout":0}`)); status != 409 || !strings.HasPrefix(a.Description, "Conflict:") {
		t.Errorf("getUpdates after ConflictNext = %d %+v", status, a)
	}
	if status, a = call(t, s, "sendMessage", "application/json", []byte(`{"chat_id":5,"text":"<b>x","parse_mode":"HTML"}`)); status != 400 || !strings.Contains(a.Description, "can't parse entities") {
		t.Errorf("unclosed tag = %d %+v", status, a)
	}
	if status, a = call(t, s, "sendMessage", "application/json", []byte(`{"chat_id":5,"text":"`+strings.Repeat("x", 4097)+`"}`)); status != 400 || a.Description != "Bad Request: message is too long" {
		t.Errorf("long text = %d %+v", status, a)
	}
	if status, _ = call(t, s, "getMe", "", nil); status != 200 {
		t.Errorf("getMe = %d", status)
	}
	resp, err := http.Post(s.URL()+"/bot1:wrong/getMe", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong token = %d, want 401", resp.StatusCode)
	}
	calls := s.Calls("sendMessage")
	if len(calls) != 5 || calls[0].ErrorCode != 429 || calls[2].ErrorCode != 0 || calls[2].ChatID != 5 {
		t.Errorf("recorded sendMessage calls = %+v", calls)
	}
	if sent := s.Sent(5); len(sent) != 1 || sent[0].Text != "hi" {
		t.Errorf("Sent(5) = %+v, want the one successful message", sent)
	}
}

func TestMultipartUpload(t *testing.T) {
	s := telegramtest.NewServer(t)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("chat_id", "7")
	_ = w.WriteField("caption", "<b>ledger</b>")
	_ = w.WriteField("parse_mode", "HTML")
	fw, _ := w.CreateFormFile("document", "ledger.csv")
	_, _ = fw.Write([]byte("a,b\n"))
	_ = w.Close()
	if status, a := call(t, s, "sendDocument", w.FormDataContentType(), body.Bytes()); status != 200 {
		t.Fatalf("sendDocument = %d %+v", status, a)
	}
	sent := s.Sent(7)
	if len(sent) != 1 || sent[0].FileName != "ledger.csv" || string(sent[0].File) != "a,b\n" || sent[0].Text != "<b>ledger</b>" {
		t.Errorf("Sent(7) = %+v", sent)
	}
	if got := telegramtest.Visible(sent[0].Text, sent[0].ParseMode); got != "ledger" {
		t.Errorf("Visible = %q", got)
	}
}
