package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// Placeholders in audit JSON that the scripts fill in.
const (
	newID       = "{{id}}"
	auditDetail = "{{detail}}"
)

// auditArgs returns the script arguments for audit entry a (JSON and score),
// or "" and 0 when a is nil. It fills in Time (now, or the store's clock when
// now is zero), Community, and Object when empty with object.
func (s *Store) auditArgs(a *ll.AuditEntry, community string, now time.Time, object, detail string) (string, int64) {
	if a == nil {
		return "", 0
	}
	e := *a
	if e.Time.IsZero() {
		e.Time = now
		if e.Time.IsZero() {
			e.Time = s.now()
		}
	}
	e.Community = community
	if e.Object == "" {
		e.Object = object
	}
	if e.Detail == "" {
		e.Detail = detail
	}
	b, _ := json.Marshal(e) // an AuditEntry of strings and a time always encodes
	return string(b), e.Time.UnixMilli()
}

// CreateCommunity stores a new community with its audit entry; ErrConflict if
// the id is taken, EINVALID if c does not validate. The community is written
// first and then added to the index of communities; a retry after an
// interruption between the two repairs the index (and reports ErrConflict).
func (s *Store) CreateCommunity(ctx context.Context, c ll.Community, audit *ll.AuditEntry) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Created.IsZero() {
		c.Created = s.now()
	}
	j, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("create community %s: %w", c.ID, err)
	}
	a, score := s.auditArgs(audit, c.ID, c.Created, c.ID, "")
	op := "create community " + c.ID
	st, _, err := s.run(ctx, op, createCommunityScript, []string{s.k.community(c.ID)}, s.k.base(c.ID), j, a, score)
	if err != nil {
		return err
	}
	if err := s.c.SAdd(ctx, s.k.communities(), c.ID).Err(); err != nil {
		return s.wrap(op, err)
	}
	switch st {
	case "ok":
		return nil
	case "exists":
		return &ll.Error{Code: ll.ECONFLICT, Message: fmt.Sprintf("community %s already exists", c.ID), Detail: "id"}
	}
	return statusError(op, st, nil, nil)
}

// Community returns one community; ErrNotFound if there is none.
func (s *Store) Community(ctx context.Context, id string) (ll.Community, error) {
	if err := checkCommunity(id); err != nil {
		return ll.Community{}, err
	}
	v, err := s.c.Get(ctx, s.k.community(id)).Result()
	if errors.Is(err, redis.Nil) {
		return ll.Community{}, notFound("community", id)
	}
	if err != nil {
		return ll.Community{}, s.wrap("community "+id, err)
	}
	var c ll.Community
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return ll.Community{}, fmt.Errorf("community %s: %w", id, err)
	}
	return c, nil
}

// Communities returns every community, ordered by id. It costs two round
// trips whatever the number of communities.
func (s *Store) Communities(ctx context.Context) ([]ll.Community, error) {
	ids, err := s.c.SMembers(ctx, s.k.communities()).Result()
	if err != nil {
		return nil, s.wrap("communities", err)
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return !ll.ValidCommunityID(id) })
	slices.Sort(ids)
	if len(ids) == 0 {
		return []ll.Community{}, nil
	}
	cmds := make([]*redis.StringCmd, len(ids))
	_, err = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, s.k.community(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.wrap("communities", err)
	}
	out := make([]ll.Community, 0, len(ids))
	for i, cmd := range cmds {
		v, err := cmd.Result()
		if errors.Is(err, redis.Nil) {
			continue // indexed but never written: an interrupted CreateCommunity
		}
		if err != nil {
			return nil, s.wrap("communities", err)
		}
		var c ll.Community
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			return nil, fmt.Errorf("communities: %s: %w", ids[i], err)
		}
		out = append(out, c)
	}
	return out, nil
}

// SaveCommunity replaces a community's settings with its audit entry;
// ErrNotFound if it does not exist, EINVALID if c does not validate.
func (s *Store) SaveCommunity(ctx context.Context, c ll.Community, audit *ll.AuditEntry) error {
	if err := c.Validate(); err != nil {
		return err
	}
	j, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("save community %s: %w", c.ID, err)
	}
	a, score := s.auditArgs(audit, c.ID, time.Time{}, c.ID, "")
	op := "save community " + c.ID
	st, rest, err := s.run(ctx, op, saveCommunityScript, []string{s.k.community(c.ID)}, s.k.base(c.ID), j, a, score)
	if err != nil || st == "ok" {
		return err
	}
	return statusError(op, st, rest, map[string]string{"community": c.ID})
}

// Audit appends an entry to e.Community's audit log, at e.Time (now when zero).
func (s *Store) Audit(ctx context.Context, e ll.AuditEntry) error {
	if err := checkCommunity(e.Community); err != nil {
		return err
	}
	a, score := s.auditArgs(&e, e.Community, time.Time{}, "", "")
	_, _, err := s.run(ctx, "audit", auditScript, []string{s.k.audit(e.Community)}, s.k.base(e.Community), a, score)
	return err
}

// AuditLog returns up to n entries (all when n <= 0) of the community's audit
// log at or after since, newest first. An unknown community has none.
func (s *Store) AuditLog(ctx context.Context, community string, n int, since time.Time) ([]ll.AuditEntry, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	min := "-inf"
	if !since.IsZero() {
		min = fmt.Sprint(since.UnixMilli())
	}
	count := int64(n)
	if n <= 0 {
		count = 0
	}
	vs, err := s.c.ZRevRangeByScore(ctx, s.k.audit(community), &redis.ZRangeBy{Min: min, Max: "+inf", Count: count}).Result()
	if err != nil {
		return nil, s.wrap("audit log "+community, err)
	}
	out := make([]ll.AuditEntry, 0, len(vs))
	for _, v := range vs {
		_, j, _ := strings.Cut(v, " ")
		var e ll.AuditEntry
		if err := json.Unmarshal([]byte(j), &e); err != nil {
			return nil, fmt.Errorf("audit log %s: %w", community, err)
		}
		out = append(out, e)
	}
	return out, nil
}
