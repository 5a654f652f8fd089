package main

import (
	"context"
	"errors"
	"fmt"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
)

// storageConfig is where the configured Redis is.
func (c *Config) storageConfig() storage.Config {
	return storage.Config{
		URL:            c.RedisURL,
		ClusterAddrs:   splitList(c.ClusterAddrs),
		SentinelAddrs:  splitList(c.SentinelAddrs),
		SentinelMaster: c.SentinelMaster,
	}
}

// openStore connects to the configured Redis and brings its schema up to
// date. An unreachable Redis is reported with its address.
func (p *program) openStore(ctx context.Context) (*storage.Store, error) {
	cfg := p.cfg.storageConfig()
	cfg.Now = p.now
	cfg.Prefix = p.prefix
	st, err := storage.Connect(ctx, cfg)
	if err != nil {
		var de *ll.Error
		if errors.As(err, &de) && de.Code == ll.EINVALID {
			return nil, badSetting("REDIS_URL", "%s", userMessage(err))
		}
		if errors.Is(err, ll.ErrUnavailable) {
			return nil, fmt.Errorf("%w (is Redis running? check %s)", err, p.cfg.redisVariable())
		}
		return nil, fmt.Errorf("%s: %w", p.cfg.redisTarget(), err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("%s: %w", p.cfg.redisTarget(), err)
	}
	return st, nil
}

// withStore runs f with a store on the configured Redis and closes it after.
func (p *program) withStore(ctx context.Context, f func(st *storage.Store) error) error {
	st, err := p.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}
