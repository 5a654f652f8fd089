package storage

import (
	"context"

	ll "github.com/lamplighter-bot/lamplighter"
)

// The unfiltered members list (an empty search: the Mini App's members page
// as it opens, /members without a query) in member-number order. It reads
// the standing index's bitmap of the active members (keys.go: ya), not the
// search index: the total is its BITCOUNT and the page is found by counting
// bits a block at a time, so a page costs about the same at 100,000 members
// as at 100, instead of a walk over every member's line.

// KEYS: ya. ARGV: b, offset, count. Answers ok, the number of active
// members, the ids of the page (count of them from offset, in number
// order), then each one's fields: the shape searchScript answers.
var memberPageScript = script(`
local key, b = KEYS[1], ARGV[1]
local skip, count = tonumber(ARGV[2]), tonumber(ARGV[3])
local total = redis.call('BITCOUNT', key)
local len = redis.call('STRLEN', key)
local CH = 128 -- bytes of the bitmap a step reads: 1,024 members
local at = 0
while at < len do
  local c = redis.call('BITCOUNT', key, at, at + CH - 1)
  if c > skip then break end
  skip = skip - c
  at = at + CH
end
local ids = {}
while at < len and #ids < count do
  local s = redis.call('GETRANGE', key, at, at + CH - 1)
  for i = 1, #s do
    local v = string.byte(s, i)
    if v ~= 0 then
      for j = 0, 7 do
        if bit.band(v, bit.rshift(128, j)) ~= 0 then
          if skip > 0 then
            skip = skip - 1
          elseif #ids < count then
            ids[#ids + 1] = 'M' .. ((at + i - 1) * 8 + j)
          end
        end
      end
      if #ids >= count then break end
    end
  end
  at = at + CH
end
local out = {'ok', total, ids}
for _, mid in ipairs(ids) do out[#out + 1] = redis.call('HGETALL', mkey(b, mid)) end
return out
`)

func init() { allScripts = append(allScripts, memberPageScript) }

// memberPage answers SearchMembers for an empty query: count active
// members of community from offset in member-number order, and how many
// are active. One round trip, whatever the community's size; it needs no
// search index (a community of any size is answered).
func (s *Store) memberPage(ctx context.Context, community string, offset, count int) ([]ll.Member, int, error) {
	op := "list the members of " + community
	st, rest, err := s.run(ctx, op, memberPageScript, []string{s.k.yearActive(community)}, s.k.base(community), offset, count)
	if err != nil {
		return nil, 0, err
	}
	if st != "ok" {
		return nil, 0, statusError(op, st, rest, nil)
	}
	n, ids := int(num(rest, 0)), strs(rest, 1)
	page := make([]ll.Member, 0, len(ids))
	for i, id := range ids {
		m, err := decodeMember(community, id, fieldMap(rest, i+2))
		if err != nil {
			return nil, 0, err
		}
		page = append(page, m)
	}
	return page, n, nil
}
