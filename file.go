package lamplighter

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
)

// MaxUploadSize is the largest file a bot may send by upload (Telegram's
// Bot API: 50 MB for documents).
const MaxUploadSize = 50 * 1000 * 1000

// A File with a Path (a large export or notice streamed to a temporary file
// instead of held in memory) belongs to the reply that carries it: the front
// end that sends the reply reads the file when it sends it and then removes
// it (Discard), whether the send succeeded or not. Such a reply is never put
// in the outbox, whose messages another replica may send: it is sent by the
// process that wrote the file.

// Open returns a reader of the file's bytes: Data, or the file at Path.
// Each call gives a fresh reader (an upload that is retried reads again).
func (f *File) Open() (io.ReadCloser, error) {
	if f.Path == "" {
		return io.NopCloser(bytes.NewReader(f.Data)), nil
	}
	return os.Open(f.Path)
}

// Bytes returns the file's bytes: Data, or the contents of the file at Path.
func (f *File) Bytes() ([]byte, error) {
	if f.Path == "" {
		return f.Data, nil
	}
	return os.ReadFile(f.Path)
}

// Discard removes the file at Path, if there is one; a file already gone is
// no error. Data is left as it is.
func (f *File) Discard() error {
	if f == nil || f.Path == "" {
		return nil
	}
	if err := os.Remove(f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
