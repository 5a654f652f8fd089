package bot

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter"
)

func private(id int64) models.Chat { return models.Chat{ID: id, Type: models.ChatTypePrivate} }

func group(id int64) models.Chat { return models.Chat{ID: id, Type: models.ChatTypeSupergroup} }

var alice = &models.User{ID: 1001, FirstName: "Li", LastName: "Wei", LanguageCode: "zh-hans"}

// entities returns the bot_command entities Telegram sends for text, offsets
// in UTF-16 code units.
func entities(text string) []models.MessageEntity {
	var out []models.MessageEntity
	re := regexp.MustCompile(`(^|\s)(/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?)`)
	for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
		out = append(out, models.MessageEntity{
			Type:   models.MessageEntityTypeBotCommand,
			Offset: utf16Count(text[:m[4]]),
			Length: utf16Count(text[m[4]:m[5]]),
		})
	}
	return out
}

func textUpdate(chat models.Chat, text string) *models.Update {
	return &models.Update{ID: 7, Message: &models.Message{
		ID: 55, From: alice, Chat: chat, Date: 1, Text: text, Entities: entities(text),
	}}
}

func TestToRequestCommands(t *testing.T) {
	tests := []struct {
		name      string
		chat      models.Chat
		text      string
		cmd, args string
	}{
		{"plain command", private(1001), "/claim P3", "claim", "P3"},
		{"upper case", private(1001), "/CLAIM p3", "claim", "p3"},
		{"addressed to us", private(1001), "/claim@MyBot P3", "claim", "P3"},
		{"addressed to us, other case", group(-5), "/claim@mybot P3", "claim", "P3"},
		{"addressed to another bot", group(-5), "/claim@OtherBot P3", "", ""},
		{"another bot, private", private(1001), "/claim@OtherBot P3", "", ""},
		{"not a command", private(1001), "claim P3", "", ""},
		{"Chinese arguments", private(1001), "/log 修好了19号楼的32盏路灯", "log", "修好了19号楼的32盏路灯"},
		{"newline before arguments", private(1001), "/newpost 法律援助\n| claimed | 3 | 帮助", "newpost", "法律援助\n| claimed | 3 | 帮助"},
		{"command after Chinese text", private(1001), "你好 /claim P3", "claim", "P3"},
		{"command after emoji", private(1001), "👋👋 /help me", "help", "me"},
		{"command after Chinese text for another bot", private(1001), "你好 /claim@OtherBot P3", "", ""},
		{"command after text in a group", group(-5), "大家用 /checkin 签到", "", ""},
		{"entity shorter than the word", private(1001), "/claim,P3", "claim", ",P3"},
		{"slash alone", private(1001), "/", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, ok := toRequest(textUpdate(tt.chat, tt.text), "MyBot")
			if !ok {
				t.Fatalf("toRequest(%q) ignored the message", tt.text)
			}
			if req.Command != tt.cmd || req.Args != tt.args {
				t.Errorf("toRequest(%q) = command %q args %q, want %q %q", tt.text, req.Command, req.Args, tt.cmd, tt.args)
			}
			if req.Text != tt.text {
				t.Errorf("Text = %q, want the message text %q", req.Text, tt.text)
			}
		})
	}
}

func TestToRequestEntityOffsetsAreUTF16(t *testing.T) {
	// "𝄞" is one rune, four bytes and two UTF-16 units: a byte offset would
	// land inside "/help" and a rune offset one unit early.
	text := "𝄞𝄞 /help now"
	u := textUpdate(private(1001), text)
	if got := u.Message.Entities[0].Offset; got != 5 {
		t.Fatalf("test setup: entity offset = %d, want 5 UTF-16 units", got)
	}
	req, _ := toRequest(u, "MyBot")
	if req.Command != "help" || req.Args != "now" {
		t.Errorf("command = %q %q, want help now", req.Command, req.Args)
	}
}

func TestToRequestBadEntitiesDoNotPanic(t *testing.T) {
	for _, e := range []models.MessageEntity{
		{Type: models.MessageEntityTypeBotCommand, Offset: 100, Length: 5},
		{Type: models.MessageEntityTypeBotCommand, Offset: -1, Length: 5},
		{Type: models.MessageEntityTypeBotCommand, Offset: 1, Length: 0},
		{Type: models.MessageEntityTypeBotCommand, Offset: 1, Length: 1}, // splits the surrogate pair
	} {
		u := &models.Update{ID: 1, Message: &models.Message{From: alice, Chat: private(1001), Text: "𝄞 x", Entities: []models.MessageEntity{e}}}
		req, ok := toRequest(u, "")
		if !ok || req.Command != "" {
			t.Errorf("entity %+v: ok %v command %q, want a plain message", e, ok, req.Command)
		}
	}
}

func TestToRequestFields(t *testing.T) {
	u := textUpdate(private(1001), "hello")
	u.Message.ReplyToMessage = &models.Message{ID: 40}
	req, ok := toRequest(u, "MyBot")
	want := lamplighter.Request{
		UpdateID: 7, UserID: 1001, ChatID: 1001, Private: true, UserName: "Li Wei",
		LanguageCode: "zh-hans", Text: "hello", MessageID: 55, ReplyToMessageID: 40,
	}
	if !ok || !equalRequest(req, want) {
		t.Errorf("toRequest = %+v, %v\nwant %+v", req, ok, want)
	}

	g, _ := toRequest(textUpdate(group(-100200), "/me"), "MyBot")
	if g.Private || g.ChatID != -100200 || g.UserID != 1001 || g.Command != "me" {
		t.Errorf("group message = %+v, want not private, chat -100200, user 1001, command me", g)
	}

	anon := &models.User{ID: 1002, Username: "zhang"}
	u = &models.Update{ID: 8, Message: &models.Message{ID: 1, From: anon, Chat: private(1002), Text: "x"}}
	if r, _ := toRequest(u, ""); r.UserName != "zhang" {
		t.Errorf("UserName without a first name = %q, want the username", r.UserName)
	}
}

func equalRequest(a, b lamplighter.Request) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestToRequestCallback(t *testing.T) {
	u := &models.Update{ID: 9, CallbackQuery: &models.CallbackQuery{
		ID: "q1", From: *alice, Data: "claim:P3",
		Message: models.MaybeInaccessibleMessage{Message: &models.Message{ID: 77, Chat: private(1001), Date: 1}},
	}}
	req, ok := toRequest(u, "MyBot")
	if !ok || req.Callback != "claim:P3" || req.CallbackID != "q1" || req.MessageID != 77 || req.ChatID != 1001 || !req.Private || req.UserID != 1001 {
		t.Errorf("callback = %+v, %v", req, ok)
	}

	// A message older than 48 hours arrives as an inaccessible message.
	u.CallbackQuery.Message = models.MaybeInaccessibleMessage{
		Type:                models.MaybeInaccessibleMessageTypeInaccessibleMessage,
		InaccessibleMessage: &models.InaccessibleMessage{Chat: group(-300), MessageID: 78},
	}
	req, ok = toRequest(u, "MyBot")
	if !ok || req.ChatID != -300 || req.MessageID != 78 || req.Private {
		t.Errorf("callback on an old message = %+v, %v", req, ok)
	}

	u.CallbackQuery.Message = models.MaybeInaccessibleMessage{}
	u.CallbackQuery.InlineMessageID = "inline"
	if _, ok := toRequest(u, "MyBot"); ok {
		t.Error("a callback on an inline-mode message was not ignored")
	}
}

func TestToRequestLocation(t *testing.T) {
	loc := func(live int, forwarded bool) *models.Update {
		m := &models.Message{ID: 3, From: alice, Chat: private(1001), Location: &models.Location{Latitude: 39.9, Longitude: 116.4, LivePeriod: live}}
		if forwarded {
			m.ForwardOrigin = &models.MessageOrigin{Type: models.MessageOriginTypeUser, MessageOriginUser: &models.MessageOriginUser{SenderUser: *alice}}
		}
		return &models.Update{ID: 1, Message: m}
	}
	tests := []struct {
		name string
		u    *models.Update
		want lamplighter.Location
	}{
		{"live", loc(900, false), lamplighter.Location{Latitude: 39.9, Longitude: 116.4, Live: true}},
		{"pin", loc(0, false), lamplighter.Location{Latitude: 39.9, Longitude: 116.4}},
		{"forwarded live", loc(900, true), lamplighter.Location{Latitude: 39.9, Longitude: 116.4, Live: true, Forwarded: true}},
	}
	for _, tt := range tests {
		req, ok := toRequest(tt.u, "")
		if !ok || req.Location == nil || *req.Location != tt.want {
			t.Errorf("%s: Location = %+v (ok %v), want %+v", tt.name, req.Location, ok, tt.want)
		}
	}
}

func TestToRequestForwarded(t *testing.T) {
	m := &models.Message{ID: 3, From: alice, Chat: private(1001), Text: "/claim P3 公示", Entities: entities("/claim P3 公示"),
		ForwardOrigin: &models.MessageOrigin{Type: models.MessageOriginTypeChannel, MessageOriginChannel: &models.MessageOriginChannel{Chat: models.Chat{ID: -100777, Type: models.ChatTypeChannel}, MessageID: 5}}}
	req, ok := toRequest(&models.Update{ID: 2, Message: m}, "")
	if !ok || req.ForwardedFromChat != -100777 {
		t.Errorf("ForwardedFromChat = %d (ok %v), want -100777", req.ForwardedFromChat, ok)
	}
	if req.Command != "" {
		t.Errorf("a forwarded message became command %q", req.Command)
	}
}

func TestToRequestLiveLocationUpdate(t *testing.T) {
	u := &models.Update{ID: 7, EditedMessage: &models.Message{ID: 40, From: alice, Chat: private(1001),
		Location: &models.Location{Latitude: 39.9, Longitude: 116.4, LivePeriod: 900}}}
	req, ok := toRequest(u, "MyBot")
	if !ok || req.Location == nil || !req.Location.Live || !req.Location.Update || req.UserID != alice.ID || req.Command != "" {
		t.Fatalf("toRequest(live location edit) = %+v, %v; want a live location update from alice", req, ok)
	}
}

func TestToRequestIgnored(t *testing.T) {
	botUser := &models.User{ID: 9, IsBot: true, FirstName: "Other"}
	for name, u := range map[string]*models.Update{
		"edited message":     {ID: 1, EditedMessage: &models.Message{From: alice, Chat: private(1001), Text: "x"}},
		"edited pin":         {ID: 1, EditedMessage: &models.Message{From: alice, Chat: private(1001), Location: &models.Location{Latitude: 1, Longitude: 2}}},
		"sticker":            {ID: 1, Message: &models.Message{From: alice, Chat: private(1001), Sticker: &models.Sticker{}}},
		"from a bot":         {ID: 1, Message: &models.Message{From: botUser, Chat: group(-5), Text: "/help"}},
		"without sender":     {ID: 1, Message: &models.Message{Chat: group(-5), Text: "/help"}},
		"channel post":       {ID: 1, ChannelPost: &models.Message{Chat: models.Chat{ID: -100, Type: models.ChatTypeChannel}, Text: "x"}},
		"only an update id":  {ID: 1},
		"inline query":       {ID: 1, InlineQuery: &models.InlineQuery{ID: "x", From: alice}},
		"bot's own callback": {ID: 1, CallbackQuery: &models.CallbackQuery{ID: "q", From: *botUser, Message: models.MaybeInaccessibleMessage{Message: &models.Message{Chat: group(-5)}}}},
	} {
		if req, ok := toRequest(u, "MyBot"); ok {
			t.Errorf("%s: toRequest = %+v, want ignored", name, req)
		}
	}
	caption := &models.Update{ID: 1, Message: &models.Message{From: alice, Chat: private(1001), Caption: "/log 照片", CaptionEntities: entities("/log 照片"), Photo: []models.PhotoSize{{FileID: "f"}}}}
	if req, ok := toRequest(caption, ""); !ok || req.Command != "log" || req.Args != "照片" {
		t.Errorf("photo with a command caption = %+v, %v; want command log", req, ok)
	}
}

func TestUTF16Span(t *testing.T) {
	s := "a𝄞中/x"
	// units: a=1, 𝄞=2, 中=1, /=1, x=1
	tests := []struct {
		off, n     int
		start, end int
		ok         bool
	}{
		{0, 1, 0, 1, true},
		{1, 2, 1, 5, true},
		{3, 1, 5, 8, true},
		{4, 2, 8, 10, true},
		{2, 1, 0, 0, false}, // inside the surrogate pair
		{5, 2, 0, 0, false}, // past the end
	}
	for _, tt := range tests {
		start, end, ok := utf16Span(s, tt.off, tt.n)
		if ok != tt.ok || ok && (start != tt.start || end != tt.end) {
			t.Errorf("utf16Span(%q, %d, %d) = %d, %d, %v; want %d, %d, %v", s, tt.off, tt.n, start, end, ok, tt.start, tt.end, tt.ok)
		}
	}
}

var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// FuzzToRequest feeds arbitrary text and bot_command entities through the
// update conversion: it must never panic, and a command it finds is a
// well-formed lower-case name with trimmed arguments.
func FuzzToRequest(f *testing.F) {
	f.Add("/claim P3", 0, 6, true)
	f.Add("/claim@MyBot P3", 0, 12, false)
	f.Add("/claim@OtherBot P3", 0, 15, true)
	f.Add("你好 /claim P3", 3, 6, true)
	f.Add("👋 /help", 3, 5, true)
	f.Add("𝄞𝄞 /help now", 5, 5, false)
	f.Add("/log 修好了路灯", 0, 4, true)
	f.Add("\xff/x", 1, 2, true)
	f.Add("", 0, 0, true)
	f.Fuzz(func(t *testing.T, text string, offset, length int, isPrivate bool) {
		chat := group(-5)
		if isPrivate {
			chat = private(1001)
		}
		u := &models.Update{ID: 1, Message: &models.Message{From: alice, Chat: chat, Text: text,
			Entities: []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: offset, Length: length}}}}
		req, ok := toRequest(u, "MyBot")
		if text == "" {
			if ok {
				t.Fatalf("empty message not ignored")
			}
			return
		}
		if !ok {
			t.Fatalf("text message %q ignored", text)
		}
		if req.Command != "" && !commandName.MatchString(req.Command) {
			t.Fatalf("command %q from %q is not a lower-case command name", req.Command, text)
		}
		if req.Args != strings.TrimSpace(req.Args) {
			t.Fatalf("args %q not trimmed", req.Args)
		}
		if req.Command == "" && req.Args != "" {
			t.Fatalf("args %q without a command", req.Args)
		}
	})
}

// TestToRequestLocationJSON reads locations as Telegram sends them: a live
// location's first message and a later position (an edited_message), both
// with horizontal_accuracy, and a pin without it.
func TestToRequestLocationJSON(t *testing.T) {
	for _, tt := range []struct {
		name, json string
		want       lamplighter.Location
	}{
		{"live with accuracy", `{"update_id":501,"message":{"message_id":77,"from":{"id":1001,"is_bot":false,"first_name":"Alice","language_code":"en"},
			"chat":{"id":1001,"first_name":"Alice","type":"private"},"date":1772672400,
			"location":{"latitude":31.230412,"longitude":121.473719,"horizontal_accuracy":65,"live_period":900,"heading":12}}}`,
			lamplighter.Location{Latitude: 31.230412, Longitude: 121.473719, Live: true, Accuracy: 65, At: time.Unix(1772672400, 0).UTC()}},
		{"live position update", `{"update_id":502,"edited_message":{"message_id":77,"from":{"id":1001,"is_bot":false,"first_name":"Alice"},
			"chat":{"id":1001,"first_name":"Alice","type":"private"},"date":1772672400,"edit_date":1772672431,
			"location":{"latitude":31.2306,"longitude":121.4738,"horizontal_accuracy":12.5,"live_period":900}}}`,
			lamplighter.Location{Latitude: 31.2306, Longitude: 121.4738, Live: true, Accuracy: 12.5, At: time.Unix(1772672431, 0).UTC(), Update: true}},
		{"pin without accuracy", `{"update_id":503,"message":{"message_id":78,"from":{"id":1001,"is_bot":false,"first_name":"Alice"},
			"chat":{"id":1001,"first_name":"Alice","type":"private"},"date":1772672400,
			"location":{"latitude":31.2,"longitude":121.4}}}`,
			lamplighter.Location{Latitude: 31.2, Longitude: 121.4, At: time.Unix(1772672400, 0).UTC()}},
		{"forwarded live", `{"update_id":504,"message":{"message_id":79,"from":{"id":1001,"is_bot":false,"first_name":"Alice"},
			"chat":{"id":1001,"first_name":"Alice","type":"private"},"date":1772672400,
			"forward_origin":{"type":"user","sender_user":{"id":1002,"is_bot":false,"first_name":"Bob"},"date":1772672000},
			"location":{"latitude":31.2,"longitude":121.4,"horizontal_accuracy":5,"live_period":3600}}}`,
			lamplighter.Location{Latitude: 31.2, Longitude: 121.4, Live: true, Forwarded: true, Accuracy: 5, At: time.Unix(1772672400, 0).UTC()}},
	} {
		var u models.Update
		if err := json.Unmarshal([]byte(tt.json), &u); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		req, ok := toRequest(&u, "MyBot")
		if !ok || req.Location == nil || *req.Location != tt.want || req.UserID != 1001 {
			t.Errorf("%s: toRequest = %+v, location %+v (ok %v); want %+v from 1001", tt.name, req, req.Location, ok, tt.want)
		}
	}
}
