package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	ll "github.com/lamplighter-bot/lamplighter"
)

// KEYS: member, community, claims, posts, teams, services. ARGV: b, member
// id. Answers notfound, or ok with the member's fields, the community's
// JSON, the member's claims, the JSON and holder count (flat) of each post
// the member holds now, the JSON and 1 or 0 for leading (flat) of each team
// the member is in, the activities' id, title and date (flat), and the
// member's participations as triples (memberParts).
var cardScript = ledgerScript(`
local b, mid = ARGV[1], ARGV[2]
local m = redis.call('HGETALL', KEYS[1])
if #m == 0 then return {'notfound', 'member', mid} end
local claims = redis.call('LRANGE', KEYS[3], 0, -1)
local posts, held = {}, {}
for _, e in ipairs(claims) do
  local p, r = string.match(e, '^([^|]*)|[^|]*|(.*)$')
  if p and r == '' and not held[p] then
    held[p] = true
    local j = redis.call('HGET', KEYS[4], p)
    if j then
      posts[#posts + 1] = j
      posts[#posts + 1] = redis.call('ZCARD', hkey(b, p))
    end
  end
end
local teams = {}
local all = redis.call('HGETALL', KEYS[5])
for i = 1, #all, 2 do
  if redis.call('SISMEMBER', tmkey(b, all[i]), mid) == 1 then
    teams[#teams + 1] = all[i + 1]
    teams[#teams + 1] = redis.call('SISMEMBER', tlkey(b, all[i]), mid)
  end
end
local acts = {}
local ps = memberParts(b, mid, KEYS[6], acts, {})
return {'ok', m, redis.call('GET', KEYS[2]) or '', claims, posts, teams, acts, ps}
`)

func init() { allScripts = append(allScripts, cardScript) }

// Card reads everything a member's card shows in one script, one round trip:
// the member (any status), the community's settings, the member's claims,
// the posts held now, the member's teams and participations (see
// lamplighter.Card). ErrNotFound if the member or the community is unknown.
//
// It checks nothing about who asks: a handler showing a user their own card
// through their membership pointer must check that Member is active and is
// that user's.
func (s *Store) Card(ctx context.Context, community, memberID string) (ll.Card, error) {
	if err := checkCommunity(community); err != nil {
		return ll.Card{}, err
	}
	if !validID('M', memberID) {
		return ll.Card{}, notFound("member", memberID)
	}
	op := fmt.Sprintf("card of %s/%s", community, memberID)
	keys := []string{s.k.member(community, memberID), s.k.community(community), s.k.claims(community, memberID),
		s.k.posts(community), s.k.teams(community), s.k.services(community)}
	st, rest, err := s.run(ctx, op, cardScript, keys, s.k.base(community), memberID)
	if err != nil {
		return ll.Card{}, err
	}
	if st != "ok" {
		return ll.Card{}, statusError(op, st, rest, map[string]string{"member": memberID})
	}
	var card ll.Card
	if card.Member, err = decodeMember(community, memberID, fieldMap(rest, 0)); err != nil {
		return ll.Card{}, err
	}
	cj := str(rest, 1)
	if cj == "" {
		return ll.Card{}, notFound("community", community)
	}
	if err := json.Unmarshal([]byte(cj), &card.Community); err != nil {
		return ll.Card{}, fmt.Errorf("%s: community: %w", op, err)
	}
	if card.Claims, err = decodeClaims(memberID, strs(rest, 2)); err != nil {
		return ll.Card{}, fmt.Errorf("%s: %w", op, err)
	}
	posts := items(rest, 3)
	card.Posts = make([]ll.Post, 0, len(posts)/2)
	for i := 0; i+1 < len(posts); i += 2 {
		p, err := decodePost(community, str(posts, i), num(posts, i+1))
		if err != nil {
			return ll.Card{}, err
		}
		card.Posts = append(card.Posts, p)
	}
	slices.SortFunc(card.Posts, func(a, b ll.Post) int { return idNumber(a.ID) - idNumber(b.ID) })
	teams := items(rest, 4)
	card.Teams = make([]ll.Team, 0, len(teams)/2)
	for i := 0; i+1 < len(teams); i += 2 {
		var leaders []string
		if num(teams, i+1) == 1 {
			leaders = []string{memberID}
		}
		t, err := decodeTeam(community, str(teams, i), []string{memberID}, leaders)
		if err != nil {
			return ll.Card{}, err
		}
		card.Teams = append(card.Teams, t)
	}
	slices.SortFunc(card.Teams, func(a, b ll.Team) int { return idNumber(a.ID) - idNumber(b.ID) })
	if card.Participations, err = decodeParts(community, memberID, strs(rest, 6), activityInfos(strs(rest, 5)), []ll.Participation{}); err != nil {
		return ll.Card{}, err
	}
	ll.SortParticipations(card.Participations)
	return card, nil
}

// items is the nested list at r[i] of a script reply, nil when there is none.
func items(r []any, i int) []any {
	if i >= len(r) {
		return nil
	}
	l, _ := r[i].([]any)
	return l
}
