package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// pointer is the value of a user's membership pointer (field m of the user hash).
func pointer(community, memberID string) string { return community + "/" + memberID }

// User returns what is known about Telegram user tg; an unknown user is a zero
// User with TelegramID set, not an error. One round trip.
func (s *Store) User(ctx context.Context, tg int64) (ll.User, error) {
	h, err := s.c.HGetAll(ctx, s.k.user(tg)).Result()
	if err != nil {
		return ll.User{TelegramID: tg}, s.wrap(fmt.Sprintf("user %d", tg), err)
	}
	return decodeUser(tg, h), nil
}

// decodeUser builds a User from the fields of its hash.
func decodeUser(tg int64, h map[string]string) ll.User {
	u := ll.User{TelegramID: tg, Language: h["lang"], Use: h["use"], NoMemberLanguage: h["nml"] == "1"}
	if c, m, ok := strings.Cut(h["m"], "/"); ok {
		u.Community, u.MemberID = c, m
		r, snap := h["r"]
		u.Role, u.HasSnapshot, u.Unreachable = ll.Role(r), snap, h["ur"] == "1"
	}
	if h["nur"] == "1" && u.MemberID == "" {
		u.Unreachable = true // a resident the bot could not message (needs.go)
	}
	return u
}

// KEYS: user, update marker. ARGV: now (ms), lease (ms), marker TTL (ms).
// Answers dup (done, or begun by the previous version's plain marker), busy
// (a live lease: being handled), or ok with the user hash after taking the
// lease (a new update, or one whose lease expired: its handler died).
var beginScript = script(`
local v = redis.call('GET', KEYS[2])
if v == 'done' or v == '1' then return {'dup'} end
if v then
  local deadline = tonumber(string.sub(v, 3))
  if deadline and deadline > tonumber(ARGV[1]) then return {'busy'} end
end
redis.call('SET', KEYS[2], 'l:' .. (tonumber(ARGV[1]) + tonumber(ARGV[2])), 'PX', ARGV[3])
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

func init() { allScripts = append(allScripts, beginScript) }

// UpdateLease is how long a begun update stays taken before another
// delivery may take it over: longer than any handler runs, short enough that
// an update whose process was killed before its effect is handled again.
const UpdateLease = 5 * time.Minute

// Begin starts handling Telegram update updateID from user tg at now, in one
// script on the user's slot, one round trip. The update's marker
// <p>{u:<tg>}:upd:<update id> becomes a lease until now+UpdateLease and
// the user is returned as User returns it. first is false, and u empty,
// when the update is done (Finish) or leased by a live handler: a
// redelivery, which must have no effect. A lease that expired (its handler
// was killed between the marker and the effect) is taken over: the update is
// handled again, at least once. The lease is judged by now, the caller's
// clock, so tests move time instead of sleeping.
//
// An update is begun under one user only, so a marker per user de-duplicates
// as well as a global one. MarkUpdate's global markers are separate: an
// update id is to be marked by one of the two, never both.
func (s *Store) Begin(ctx context.Context, updateID, tg int64, now time.Time) (first bool, u ll.User, err error) {
	op := fmt.Sprintf("begin update %d of user %d", updateID, tg)
	st, rest, err := s.run(ctx, op, beginScript, []string{s.k.user(tg), s.k.userUpdate(tg, updateID)},
		now.UnixMilli(), UpdateLease.Milliseconds(), updateMarkerTTL.Milliseconds())
	switch {
	case err != nil:
		return false, ll.User{TelegramID: tg}, err
	case st == "dup" || st == "busy":
		return false, ll.User{TelegramID: tg}, nil
	case st != "ok":
		return false, ll.User{TelegramID: tg}, fmt.Errorf("%s: unexpected script status %q", op, st)
	}
	return true, decodeUser(tg, fieldMap(rest, 0)), nil
}

// Finish marks update updateID of user tg done: its effect and its replies
// are recorded, and every later delivery is a duplicate (for the marker's
// 48 hours). One round trip; finishing twice is harmless.
func (s *Store) Finish(ctx context.Context, updateID, tg int64) error {
	err := s.c.Set(ctx, s.k.userUpdate(tg, updateID), "done", updateMarkerTTL).Err()
	return s.wrap(fmt.Sprintf("finish update %d of user %d", updateID, tg), err)
}

// callerID checks the membership pointer of a user acting through the bot
// (ClaimAs, UnclaimAs, CheckInAs) and returns the user's telegram id for
// the script: ErrNotMember when u points at no member.
func callerID(u ll.User) (string, error) {
	if u.TelegramID <= 0 || !ll.ValidCommunityID(u.Community) || !validID('M', u.MemberID) {
		return "", ll.ErrNotMember
	}
	return strconv.FormatInt(u.TelegramID, 10), nil
}

// SetUserLanguage stores the user's reply language ("zh" or "en"; EINVALID
// otherwise) and, if the user is a member, the member's language too. Two
// round trips for a member, one otherwise.
func (s *Store) SetUserLanguage(ctx context.Context, tg int64, lang string) error {
	if !ll.ValidLanguage(lang) {
		return ll.Invalid("language", "language must be zh or en")
	}
	op := fmt.Sprintf("set language of user %d", tg)
	var ptr *redis.StringCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.k.user(tg), "lang", lang)
		p.HDel(ctx, s.k.user(tg), "nml") // the member gets this language too
		ptr = p.HGet(ctx, s.k.user(tg), "m")
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return s.wrap(op, err)
	}
	return s.setMemberField(ctx, op, tg, ptr.Val(), "lang", lang)
}

// setMemberField sets a field of the member that pointer ptr names, if that
// member still belongs to Telegram user tg.
func (s *Store) setMemberField(ctx context.Context, op string, tg int64, ptr, field, value string) error {
	c, m, ok := strings.Cut(ptr, "/")
	if !ok || !ll.ValidCommunityID(c) || !validID('M', m) {
		return nil
	}
	_, _, err := s.run(ctx, op, memberFieldScript, []string{s.k.member(c, m)}, fmt.Sprint(tg), field, value)
	return err
}

// SetUserUse stores the community an admin's committee commands act on ("" to
// forget it).
func (s *Store) SetUserUse(ctx context.Context, tg int64, community string) error {
	var err error
	if community == "" {
		err = s.c.HDel(ctx, s.k.user(tg), "use").Err()
	} else {
		err = s.c.HSet(ctx, s.k.user(tg), "use", community).Err()
	}
	return s.wrap(fmt.Sprintf("set community of user %d", tg), err)
}

// SetReachable records whether the bot can message Telegram user tg, on the
// member the user's pointer names. A user who is not a member is no error.
func (s *Store) SetReachable(ctx context.Context, tg int64, reachable bool) error {
	op := fmt.Sprintf("set reachable of user %d", tg)
	ptr, err := s.c.HGet(ctx, s.k.user(tg), "m").Result()
	if errors.Is(err, redis.Nil) {
		return s.setResidentReachable(ctx, tg, reachable) // a resident with a need (needs.go)
	}
	if err != nil {
		return s.wrap(op, err)
	}
	v := "1"
	if reachable {
		v = ""
	}
	if err := s.setMemberField(ctx, op, tg, ptr, "unreach", v); err != nil {
		return err
	}
	return s.snapshot(ctx, op, tg, ptr, "ur", v)
}

// snapshot sets field of the membership snapshot in user tg's record to
// value if the user still points at ptr.
func (s *Store) snapshot(ctx context.Context, op string, tg int64, ptr, field, value string) error {
	_, _, err := s.run(ctx, op, snapshotScript, []string{s.k.user(tg)}, ptr, field, value)
	return err
}

// WriteSnapshot records the membership snapshot of user tg from the member
// m their pointer names (role, reachability), for a user record written
// before snapshots existed; nothing if the pointer names another member.
// One round trip.
func (s *Store) WriteSnapshot(ctx context.Context, tg int64, m ll.Member) error {
	ur := ""
	if m.Unreachable {
		ur = "1"
	}
	op := fmt.Sprintf("snapshot membership of user %d", tg)
	_, _, err := s.run(ctx, op, writeSnapshotScript, []string{s.k.user(tg)}, pointer(m.Community, m.ID), string(m.Role), ur)
	return err
}

// Flow returns the user's guided flow, nil when there is none or it expired.
func (s *Store) Flow(ctx context.Context, tg int64) (*ll.Flow, error) {
	v, err := s.c.Get(ctx, s.k.flow(tg)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap(fmt.Sprintf("flow of user %d", tg), err)
	}
	var f ll.Flow
	if err := json.Unmarshal([]byte(v), &f); err != nil {
		return nil, fmt.Errorf("flow of user %d: %w", tg, err)
	}
	return &f, nil
}

// SetFlow stores the user's guided flow; it expires after ttl
// (lamplighter.FlowTTL when ttl <= 0).
func (s *Store) SetFlow(ctx context.Context, tg int64, f ll.Flow, ttl time.Duration) error {
	if ttl <= 0 {
		ttl = ll.FlowTTL
	}
	j, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("set flow of user %d: %w", tg, err)
	}
	return s.wrap(fmt.Sprintf("set flow of user %d", tg), s.c.Set(ctx, s.k.flow(tg), j, ttl).Err())
}

// ClearFlow ends the user's guided flow; no error if there was none.
func (s *Store) ClearFlow(ctx context.Context, tg int64) error {
	return s.wrap(fmt.Sprintf("clear flow of user %d", tg), s.c.Del(ctx, s.k.flow(tg)).Err())
}
