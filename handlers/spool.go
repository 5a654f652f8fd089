package handlers

import (
	"fmt"
	"os"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Files a reply carries that may be large (the /export workbook, a long
// /notice) are written to a temporary file in Config.TempDir as they are
// produced, never held in memory whole (SPEC section 13). A small one is
// then read back into the reply's bytes, as every other file is (so a small
// notice still goes through the outbox); a larger one stays on disk and the
// reply names its path: the front end that sends it reads it from the disk
// and removes it (ll.File), and the Telegram adapter sends it itself rather
// than through the outbox, whose messages another replica may send and
// whose Redis should not hold megabytes of file.

// inlineFileLimit is the largest spooled file a reply carries as bytes.
const inlineFileLimit = 256 << 10

// spooled is a file being written for a reply.
type spooled struct {
	f     *os.File
	n     int64
	limit int64 // the largest file that may go out
}

// spool starts a file for a reply in Config.TempDir (pattern as
// os.CreateTemp takes it).
func (h *Handlers) spool(pattern string) (*spooled, error) {
	f, err := os.CreateTemp(h.cfg.TempDir, pattern)
	if err != nil {
		return nil, fmt.Errorf("create a temporary file: %w", err)
	}
	limit := h.cfg.MaxUpload
	if limit <= 0 {
		limit = ll.MaxUploadSize
	}
	return &spooled{f: f, limit: limit}, nil
}

// Write appends p to the file.
func (s *spooled) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	s.n += int64(n)
	return n, err
}

// discard closes and removes the file (nothing of it is sent).
func (s *spooled) discard() {
	if s == nil {
		return
	}
	s.f.Close()
	os.Remove(s.f.Name())
}

// tooLarge is a spooled file over Telegram's upload limit.
type tooLarge struct{ size, limit int64 }

func (e *tooLarge) Error() string {
	return fmt.Sprintf("file of %d bytes, over the %d bytes a bot may upload", e.size, e.limit)
}

// megabytes is a size as "12.3" (MB, 10^6 bytes), for the replies.
func megabytes(n int64) string { return fmt.Sprintf("%.1f", float64(n)/1e6) }

// file closes the spool and gives it as a reply's file named name: its
// bytes when it is at most inlineFileLimit (the temporary file is then
// removed), else its path and size. Over Config.MaxUpload it is removed and
// the error is a *tooLarge.
func (s *spooled) file(name, mime string) (*ll.File, error) {
	if err := s.f.Close(); err != nil {
		os.Remove(s.f.Name())
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	path := s.f.Name()
	switch {
	case s.n > s.limit:
		os.Remove(path)
		return nil, &tooLarge{size: s.n, limit: s.limit}
	case s.n > inlineFileLimit:
		return &ll.File{Name: name, MIME: mime, Path: path, Size: s.n}, nil
	}
	data, err := os.ReadFile(path)
	os.Remove(path)
	if err != nil {
		return nil, fmt.Errorf("read %s back: %w", name, err)
	}
	return &ll.File{Name: name, MIME: mime, Data: data}, nil
}
