module github.com/lamplighter-bot/lamplighter

go 1.26.8
