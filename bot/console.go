package bot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/lamplighter-bot/lamplighter"
)

// ConsoleConfig configures a terminal chat. In, Out and Handler are required.
type ConsoleConfig struct {
	In      io.Reader
	Out     io.Writer
	Handler Handler

	// Resolve maps what the user typed after /as ("M3", "dongan:M3" or a
	// Telegram user id) to that user's Telegram id and a label such as
	// "M3 (Li Wei)". Its error is shown to the user.
	Resolve func(ctx context.Context, who string) (tg int64, label string, err error)

	As     string // the user to start as (resolved like /as); none when empty
	Prompt string // printed before each line is read, e.g. "> "; none when empty

	// LanguageCode is sent as every request's Telegram language_code hint.
	LanguageCode string
	// FileDir is where files sent by the bot are written; a new temporary
	// directory when empty.
	FileDir string
}

// Console is a chat with the bot in a terminal, for "lamplighter demo" and
// "lamplighter console --as <member>". Each line is a message from the
// current user in their private chat with the bot; replies are printed as
// plain text (tags removed, character references decoded).
//
// Besides the bot's commands it understands:
//   - /as <member>: continue as another user;
//   - /location <lat> <lon> [pin|forwarded] [acc=<meters>]: share a live
//     location, or a dropped pin, or a forwarded live location, with a
//     horizontal accuracy when acc is given;
//   - a number: press that numbered button of the last reply (inline buttons
//     and reply-keyboard choices are numbered [1], [2]…); a number that is
//     not a button is sent as text;
//   - /quit (or end of input): leave.
//
// Replies addressed to someone else print as "→ M3 (Li Wei): text". A
// Console is not safe for concurrent use.
type Console struct {
	cfg ConsoleConfig

	tg     int64
	label  string
	nextID int      // message ids, like Telegram's, for edits and buttons
	seq    int      // callback query ids
	keys   []choice // what the numbers of the last reply press
	dir    string
	werr   error // first write error
}

// choice is a numbered button.
type choice struct {
	data      string // inline button callback data
	url       string // inline URL button
	webApp    string // web_app button: the Mini App's URL
	text      string // reply-keyboard choice, sent back as text
	messageID int    // message that carries an inline button
}

// NewConsole checks cfg and returns a console ready to Run.
func NewConsole(cfg ConsoleConfig) (*Console, error) {
	if cfg.In == nil || cfg.Out == nil {
		return nil, errors.New("console: no input or output")
	}
	if cfg.Handler == nil {
		return nil, errors.New("console: no handler")
	}
	return &Console{cfg: cfg, dir: cfg.FileDir}, nil
}

// Run reads lines until /quit, end of input or ctx is done (checked between
// lines). It returns an error when the initial user (As) is unknown or
// reading or writing fails; nil otherwise.
func (c *Console) Run(ctx context.Context) error {
	c.printf("Lamplighter console. /as <member> switches user, /location <lat> <lon> shares a live location, a number presses a button, /quit leaves.\n")
	if c.cfg.As != "" {
		if err := c.switchTo(ctx, c.cfg.As); err != nil {
			return fmt.Errorf("console: %w", err)
		}
	}
	sc := bufio.NewScanner(c.cfg.In)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for ctx.Err() == nil && c.werr == nil {
		c.printf("%s", c.cfg.Prompt)
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return fmt.Errorf("console: read input: %w", err)
			}
			break
		}
		if c.line(ctx, strings.TrimRight(sc.Text(), "\r")) {
			break
		}
	}
	if c.werr != nil {
		return fmt.Errorf("console: write output: %w", c.werr)
	}
	return nil
}

// line acts on one typed line; true means quit.
func (c *Console) line(ctx context.Context, line string) bool {
	text := strings.TrimSpace(line)
	if text == "" {
		return false
	}
	if cmd, args, ok := lamplighter.ParseCommand(text, ""); ok {
		switch cmd {
		case "quit", "exit":
			return true
		case "as":
			if args == "" {
				c.printf("usage: /as <member id, community:member id or Telegram id>\n")
				return false
			}
			if err := c.switchTo(ctx, args); err != nil {
				c.printf("%v\n", err)
			}
			return false
		case "location":
			loc, err := parseLocation(args)
			if err != nil {
				c.printf("%v\n", err)
				return false
			}
			c.send(ctx, lamplighter.Request{Location: loc})
			return false
		}
	}
	if n, err := strconv.Atoi(text); err == nil && n >= 1 && n <= len(c.keys) {
		k := c.keys[n-1]
		switch {
		case k.url != "":
			c.printf("(opens %s)\n", k.url)
		case k.webApp != "":
			c.printf("(opens the Mini App %s)\n", k.webApp)
		case k.data != "":
			c.seq++
			c.send(ctx, lamplighter.Request{
				Callback:   k.data,
				CallbackID: "console-" + strconv.Itoa(c.seq),
				MessageID:  k.messageID,
			})
		default:
			c.sendText(ctx, k.text)
		}
		return false
	}
	c.sendText(ctx, text)
	return false
}

// switchTo makes who the current user.
func (c *Console) switchTo(ctx context.Context, who string) error {
	if c.cfg.Resolve == nil {
		return errors.New("this console cannot switch users")
	}
	tg, label, err := c.cfg.Resolve(ctx, who)
	if err != nil {
		return fmt.Errorf("unknown member %q: %w", who, err)
	}
	if tg == 0 {
		return fmt.Errorf("member %q has no Telegram id yet", who)
	}
	if label == "" {
		label = strconv.FormatInt(tg, 10)
	}
	c.tg, c.label, c.keys = tg, label, nil
	c.printf("(you are now %s)\n", label)
	return nil
}

func (c *Console) sendText(ctx context.Context, text string) {
	req := lamplighter.Request{Text: text}
	req.Command, req.Args, _ = lamplighter.ParseCommand(text, "")
	c.send(ctx, req)
}

// send completes req as a private message from the current user, asks the
// handler and prints the replies.
func (c *Console) send(ctx context.Context, req lamplighter.Request) {
	if c.tg == 0 {
		c.printf("nobody is speaking: type /as <member> first\n")
		return
	}
	req.UserID, req.ChatID, req.Private = c.tg, c.tg, true
	req.LanguageCode = c.cfg.LanguageCode
	if req.Callback == "" {
		c.nextID++
		req.MessageID = c.nextID
	}
	replies, err := c.handle(ctx, req)
	if err != nil {
		c.printf("error: %v\n", err)
		return
	}
	c.show(req, replies)
}

func (c *Console) handle(ctx context.Context, req lamplighter.Request) (replies []lamplighter.Reply, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the bot crashed on this message: %v\n%s", r, debug.Stack())
		}
	}()
	return c.cfg.Handler.Handle(ctx, req), nil
}

// show prints replies. Numbers are given to the buttons and choices of the
// replies to the current user; they replace the previous numbering when
// there is a message for the current user.
func (c *Console) show(req lamplighter.Request, replies []lamplighter.Reply) {
	var keys []choice
	mine := false
	for _, r := range replies {
		if r.ChatID != 0 && r.ChatID != c.tg {
			c.showOther(r)
			continue
		}
		text := strings.TrimSpace(plainText(r.Text))
		if r.CallbackAnswer != "" && r.CallbackAnswer != text {
			c.printf("» %s\n", r.CallbackAnswer)
		}
		if r.SetMenu != "" {
			c.printf("(menu: %s)\n", r.SetMenu)
		}
		if text == "" && r.File == nil {
			continue
		}
		mine = true
		id := req.MessageID
		if !r.Edit || req.Callback == "" || id == 0 {
			c.nextID++
			id = c.nextID
		}
		if text != "" {
			c.printf("%s\n", text)
		}
		if r.File != nil {
			c.printf("[file] %s\n", c.saveFile(r.File))
		}
		for _, row := range r.Buttons {
			var cells []string
			for _, b := range row {
				keys = append(keys, choice{data: b.Data, url: b.URL, webApp: b.WebApp, messageID: id})
				cells = append(cells, fmt.Sprintf("[%d] %s", len(keys), b.Text))
			}
			if len(cells) > 0 {
				c.printf("%s\n", strings.Join(cells, "  "))
			}
		}
		if r.RequestLocation {
			c.printf("[share your location: /location <lat> <lon>]\n")
		}
		if len(r.Choices) > 0 {
			var cells []string
			for _, ch := range r.Choices {
				keys = append(keys, choice{text: ch})
				cells = append(cells, fmt.Sprintf("[%d] %s", len(keys), ch))
			}
			c.printf("%s\n", strings.Join(cells, "  "))
		}
	}
	if mine {
		c.keys = keys
	}
}

// showOther prints a reply addressed to someone else.
func (c *Console) showOther(r lamplighter.Reply) {
	label := r.ToLabel
	if label == "" {
		label = strconv.FormatInt(r.ChatID, 10)
	}
	text := strings.TrimSpace(plainText(r.Text))
	if r.File != nil {
		text = strings.TrimSpace(text + "\n[file] " + c.saveFile(r.File))
	}
	var buttons []string
	for _, row := range r.Buttons {
		for _, b := range row {
			buttons = append(buttons, "["+b.Text+"]")
		}
	}
	if len(buttons) > 0 {
		text += "\n" + strings.Join(buttons, " ")
	}
	if text == "" {
		return
	}
	c.printf("→ %s: %s\n", label, strings.ReplaceAll(text, "\n", "\n  "))
}

// saveFile writes a file the bot sent and returns its path, or what went wrong.
func (c *Console) saveFile(f *lamplighter.File) string {
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "lamplighter-console-")
		if err != nil {
			return fmt.Sprintf("(%s not saved: %v)", f.Name, err)
		}
		c.dir = dir
	}
	name := filepath.Base(filepath.Clean("/" + f.Name))
	if name == "/" || name == "." {
		name = "file"
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 2; ; i++ {
		if _, err := os.Stat(filepath.Join(c.dir, name)); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d%s", stem, i, ext)
	}
	path := filepath.Join(c.dir, name)
	if f.Path != "" {
		// A file streamed to disk: moved here (or copied, across file
		// systems), never read into memory whole.
		defer f.Discard()
		if err := os.Rename(f.Path, path); err == nil {
			return path
		}
		if err := copyFile(path, f); err != nil {
			return fmt.Sprintf("(%s not saved: %v)", f.Name, err)
		}
		return path
	}
	if err := os.WriteFile(path, f.Data, 0o600); err != nil {
		return fmt.Sprintf("(%s not saved: %v)", f.Name, err)
	}
	return path
}

// copyFile writes the bytes of f to a new file at path (mode 0600).
func copyFile(path string, f *lamplighter.File) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// parseLocation reads "<lat> <lon> [pin|forwarded] [acc=<meters>]": the
// words after the coordinates in any order; acc is the location's
// horizontal accuracy, as Telegram's horizontal_accuracy (0 to 1500 m).
func parseLocation(args string) (*lamplighter.Location, error) {
	const usage = "usage: /location <latitude> <longitude> [pin|forwarded] [acc=<meters>], e.g. /location 39.9087 116.3975 acc=30"
	f := strings.Fields(args)
	if len(f) < 2 || len(f) > 4 {
		return nil, errors.New(usage)
	}
	lat, err1 := strconv.ParseFloat(f[0], 64)
	lon, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return nil, errors.New(usage)
	}
	loc := &lamplighter.Location{Latitude: lat, Longitude: lon, Live: true}
	kind, acc := false, false
	for _, w := range f[2:] {
		w = strings.ToLower(w)
		switch {
		case (w == "pin" || w == "forwarded") && !kind:
			kind = true
			loc.Live = w != "pin"
			loc.Forwarded = w == "forwarded"
		case strings.HasPrefix(w, "acc=") && !acc:
			acc = true
			m, err := strconv.ParseFloat(strings.TrimPrefix(w, "acc="), 64)
			if err != nil || !(m >= 0 && m <= 1500) {
				return nil, errors.New(usage)
			}
			loc.Accuracy = m
		default:
			return nil, errors.New(usage)
		}
	}
	return loc, nil
}

func (c *Console) printf(format string, args ...any) {
	if _, err := fmt.Fprintf(c.cfg.Out, format, args...); err != nil && c.werr == nil {
		c.werr = err
	}
}
