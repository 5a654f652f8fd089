package bot_test

import (
	"testing"

	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// The outbox sender's tests run against a real Redis (storagetest); the
// adapter's own tests do not need it.
func TestMain(m *testing.M) { storagetest.Main(m) }
