package storage

import (
	"strconv"
	"time"
)

// Key schema, version 3 (SchemaVersion; version 2 added the years of a
// community's JSON, version 3 the counters of registration's choices,
// migrate.go). Every key starts with Options.Prefix
// (written <p> below, "ll:" by default).
//
// Global keys, one cluster slot each:
//
//	<p>communities                  set     ids of every community (the index behind Communities)
//	<p>schema                       string  schema version of the data ("2")
//	<p>upd:<update id>              string  "1" with a 48h TTL: that Telegram update was taken (MarkUpdate,
//	                                        for updates that never reach the handlers; see Begin)
//
// Per community <c>: the hash tag {c:<c>} puts all of a community's keys in one
// cluster slot, so every script below runs on one node of a Redis Cluster.
// The base <p>{c:<c>}: is written <b>.
//
//	<b>community                    string  JSON lamplighter.Community; "years" holds the minimums by the
//	                                        year from which they apply: {"2026":{"minimum":2,"post_minimum":1}}
//	<b>seq                          hash    counters: M, P, T, A, S (last id allocated), audit (audit sequence),
//	                                        cv (changes of the choice counters, for their migration),
//	                                        act (number of active members: ActiveMembers)
//	<b>cnt:unit                     zset    unit -> number of active members with that unit
//	<b>cnt:skill                    zset    skill -> number of active members with it plus open posts
//	                                        wanting it; both kept by the scripts that change members and
//	                                        posts, members at 0 removed (what Choices reads)
//	<b>sx:<k>                       string  search index of the active members numbered 1024k to 1024k+1023:
//	                                        "\n", then a line "<fields>\x01<number>\n" each (name, unit,
//	                                        building and skills, lowered, tab-separated), in no order;
//	                                        kept only while sx:on exists (set once a search finds more
//	                                        than 1,000 members: SearchMembers)
//	<b>sx:on                        string  "1": the community has the search index
//	<b>members                      zset    every member id, score = its number (M12 -> 12)
//	<b>m:<M>                        hash    one member, fields: tg, name, unit, bldg, skills (JSON
//	                                        array), lang, role, status, joined and left (unix ms),
//	                                        unreach ("1" when Telegram refuses messages to them).
//	                                        Empty fields are not stored.
//	<b>tg                           hash    telegram id -> member id: the active member with that
//	                                        id if any, else the latest one (MemberByTelegram)
//	<b>posts                        hash    post id -> JSON lamplighter.Post (Community and Claims not stored)
//	<b>holders:<P>                  zset    current holders of the post: member id, score = claimed (unix ms)
//	<b>claims:<M>                   list    the member's claims, oldest first, current and released:
//	                                        "<post id>|<claimed unix ms>|<released unix ms or empty>"
//	<b>pclaim:<P>                   hash    member id -> when (unix ms) they asked to claim the paired post:
//	                                        claims waiting for a committee member's confirmation (pairing.go)
//	<b>teams                        hash    team id -> JSON lamplighter.Team (id, name, created only)
//	<b>team:<T>:members             set     member ids in the team
//	<b>team:<T>:leaders             set     member ids leading the team (always also in members)
//	<b>inv:<code>                   hash    invite: j (JSON lamplighter.Invite, Used not stored),
//	                                        m (personal invite's member), r (role), exp (unix ms),
//	                                        used (telegram id that used a personal or role invite),
//	                                        rev ("1" once revoked); Redis drops it a day after exp
//	<b>invites                      zset    the community's invite codes, score = exp (unix ms, +inf for
//	                                        none): what /invite list reads; an entry goes with its invite
//	<b>audit                        zset    audit log: "<12-digit seq> <JSON lamplighter.AuditEntry>",
//	                                        score = the entry's time (unix ms)
//	<b>acts                         zset    every activity id, score = its start (unix ms)
//	<b>a:<A>                        hash    one activity, fields: t (title), pl (place), s and e (start
//	                                        and end, unix ms), d (start date YYYY-MM-DD in the community's
//	                                        zone when last saved: the date of its participations), cap,
//	                                        lat and lon, r (radius m), team, code, cx ("1" when
//	                                        cancelled), why (reason), by, cr (created, unix ms), q (last
//	                                        sign-up sequence number), pby (PresentedBy). Empty fields are not stored.
//	<b>codes                        hash    check-in code -> activity id; kept after an activity ends or
//	                                        is cancelled, so a code is never reused in the community
//	<b>a:<A> (check-in)             hash    more fields of the activity: mode (check-in mode; absent:
//	                                        static, an activity from before modes), sec (the rotating
//	                                        code's secret, hex), pby (who presents it: the creator rule)
//	<b>su:<A>                       zset    members signed up for the activity, score = sign-up sequence
//	<b>att:<A>                      set     numbers of the members whose participation in the activity
//	                                        counts (M12 -> 12: an intset up to 512 members)
//	<b>p:<M>                        hash    the member's participations: ref (A7, S40) -> compact JSON
//	                                        {"m":method,"t":recorded unix ms,"by":verified by,"n":note}
//	                                        (an approval has only "m": its time and approver are the
//	                                        service record's decision); a voided one moves to field "<ref>~<n>" with "vb", "vr",
//	                                        "vt" (voided by, reason, unix ms) added, so field <ref>
//	                                        exists exactly when a participation for ref counts. Kind,
//	                                        title and date come from the activity or service record.
//	<b>void:<A>                     hash    member number -> the audit name of who last voided that
//	                                        member's participation in the activity, while it stays voided:
//	                                        a check-in is refused, and so is an /attend by the voider;
//	                                        another committee member's /attend re-admits (deletes the field)
//	<b>wrong:<M>                    list    when (unix ms) the member's last wrong check-in codes were
//	                                        sent, newest first, at most lamplighter.MaxWrongCodesPerHour;
//	                                        expires an hour after the last
//	<b>wrongtg:<tg>                 list    the same for a person (Telegram id) checking in through their
//	                                        membership: the limit follows the person across memberships
//	<b>scankey                      string  the community's key (hex) that signs members' personal check-in
//	                                        codes (/mycode, scan.go); made by the first code asked for
//	<b>scanused:<nonce>             string  a personal check-in code already scanned (the activity's id);
//	                                        expires when the code would have
//	<b>rot                          zset    ids of the rotating-code activities not cancelled, score = when
//	                                        their check-in closes (unix ms); the check-in script drops
//	                                        closed ones and computes the codes of the open ones
//	<b>svcs                         hash    service record id -> compact JSON {"m","x" (text),"d","c"
//	                                        (created, unix ms),"st" (status),"by","at","r"}
//	<b>pending                      zset    ids of the service records awaiting a decision, score = number
//	<b>mpend:<M>                    set     ids of the member's service records awaiting a decision: at
//	                                        most lamplighter.MaxPendingServices (LogService refuses more)
//	<b>sched:last                   hash    reminder job (below-minimum, no-post, digest, escalation) -> its
//	                                        last finished run, unix ms: what a restart catches up from
//	<b>sched:run:<job>:<ms>         string  one scheduled run (cron job, or act:<A>:<offset> for an activity
//	                                        reminder) claimed by its scheduled time: "running" with a lease
//	                                        (PX) while a replica sends it, then "done", kept well past the
//	                                        catch-up window (schedule.go)
//	<b>live:<M>                     hash    the member's last live position that was not a jump (TrackLive):
//	                                        lat, lon, t (unix ms, when it was taken); expires the given ttl
//	                                        after it is written (and counts as none once t is older than
//	                                        ttl), so each member holds at most one, for a few hours
//
// Per Telegram user <u>: hash tag {u:<u>}.
//
//	<p>{u:<u>}:user                 hash    lang, use (admin's current community), m ("<community>/<member id>",
//	                                        the membership pointer), ms (every membership the user had
//	                                        through Register, comma-separated pointers, and the first an
//	                                        import gave: what ForgetPerson finds them by, with each
//	                                        community's tg hash); Register and ImportMembers set lang to
//	                                        the member's language when the user has none, so the reply
//	                                        language needs no read of the member
//	<p>{u:<u>}:flow                 string  JSON lamplighter.Flow, expires with the flow
//	<p>{u:<u>}:upd:<update id>      string  "1" with a 48h TTL: that Telegram update from the user was
//	                                        taken (Begin: marked in the same script that reads the user)
//
// The outbox (outbox.go): hash tag {ob}, so that every step is one script on
// one slot. The base <p>{ob}: is written <o>; times are unix ms.
//
//	<o>m:<id>                       hash    one message: j (what the other fields leave out, packed:
//	                                        community, member, language, due, quiet hours, zone, 0x1f
//	                                        between; JSON from older versions), b (its body id), chat, sc (its score in q:<chat>),
//	                                        kind, exp, bc (broadcast), pb (broadcast of a progress
//	                                        message), att (failed attempts), cl (claim count, the lease
//	                                        token), err and died (a dead letter's reason and time), v (a
//	                                        templated message's parts and values: its body is the template)
//	<o>body:<h>                     string  JSON lamplighter.Reply shared by the messages that send it;
//	                                        h is a digest of the JSON
//	<o>bref                         hash    body id -> number of messages referring to it (the body goes
//	                                        with the last)
//	<o>bp:<b>                       hash    broadcast b's recipients not yet materialized: message id ->
//	                                        chat, due, exp, kind, body id and packed j, tab-separated; the
//	                                        claim script makes up to 500 of them messages at a time while
//	                                        fewer than 2,000 chats are in ready (storage.materializeWindow)
//	<o>bp:r:<run>                   hash    a reminder run's recipients that wait whole, as bp:<b> (and every
//	                                        one before the compact form)
//	<o>bq:r:<run>                   hash    a reminder run's recipients in the compact form (EnqueueRun):
//	                                        member -> "~" profile number, chat, template parts and values
//	                                        (tab-separated; message id <run>:<member>)
//	<o>qpend                        zset    runs with recipients in bq:r:<run>, score = when due (pend and
//	                                        bp: are all an older version reads: it never meets these)
//	<o>rp:r:<run>                   hash    what the run's messages share, once: profile (due, exp, kind,
//	                                        body id, packed j before and after the member) -> number and
//	                                        number -> profile, # (last number); deleted with the run's
//	                                        last waiting recipient
//	<o>rr:r:<run>                   string  the token of the first EnqueueRun call of the run (for 30
//	                                        days): while it is a call's own, its messages need no lookup
//	<o>pend                         zset    broadcasts with recipients in bp:<b>, score = first queued
//	<o>q:<chat>                     zset    the chat's waiting messages, score = due * 1024 + sequence
//	                                        (FIFO among equal due times)
//	<o>ready                        zset    chats with waiting messages and none in flight, score = when
//	                                        the chat may send next (its first due time or its pace)
//	<o>busy                         hash    chat -> the message in flight to it
//	<o>inflight                     zset    message ids in flight, score = lease expiry
//	<o>pace:<chat>                  string  the chat may not send before this time (1 s after the last
//	                                        message to a private chat, 3 s to a group, or a 429's
//	                                        retry_after); expires a minute after it
//	<o>all                          zset    message ids waiting or in flight, score = enqueued: kept by
//	                                        older versions, now only read and cleaned (messages carry
//	                                        e, counted in en, eb and stats live instead)
//	<o>en                           hash    enqueue ms -> messages queued then still waiting or in flight
//	<o>eb                           zset    the same ms, score = itself: the oldest live message
//	<o>dead                         zset    dead letters, score = when they died
//	<o>done:<id>                    string  "1" for 72 h after a message was sent or dropped: enqueueing
//	                                        that id again does nothing
//	<o>bucket                       hash    the token bucket of the whole bot: tok, ts, f (rate factor),
//	                                        slow (when f may double again), l429 and lh (last 429 and last
//	                                        halving)
//	<o>stats                        hash    counters: enqueued, sent, unreachable, expired, failed, dead,
//	                                        ratelimited, deferred, reclaimed; seq (message sequence); pending
//	                                        (recipients in every bp:<b>)
//	<o>bc:<id>                      hash    one broadcast: comm, chat and lang (of its progress message),
//	                                        aud, by, created, total, sent, failed, unreachable, expired,
//	                                        msg (the progress message's Telegram id), pn, pq ("1" while a
//	                                        progress update is queued), plast (last update sent);
//	                                        expires 30 days after its last change
//
// Presenter screens (presentation.go): hash tag {pr}. The base <p>{pr}: is
// written <r>; times are unix ms; a presentation's id is "<chat>:<message id>".
//
//	<r>due                          zset    running presentations, score = when the next edit is due (while
//	                                        one is claimed: its lease's expiry)
//	<r>p:<chat>:<msg>               hash    one presentation: j (JSON lamplighter.Presentation), by (its
//	                                        by: key), stop ("1" once stopped: the next edit closes it), cl
//	                                        (claim count, the lease token)
//	<r>pace:<chat>                  string  the chat's presenter edits wait until this time (1 s after the
//	                                        last to a private chat, 3 s to a group, or a 429's retry_after)
//	<r>by:<chat>:<community>/<A>    string  the id of the activity's latest presentation in the chat
//
// Lua scripts get the statically known keys in KEYS (so a cluster client routes
// them to the right node) and build the keys they discover while running
// (holders:<P> of a member's claims, team:<T>:members of every team, a:<A> of a
// check-in code, p:<M> of a service record's author, the members' keys in
// CommunityLedger) from <b>, passed as an argument, with the suffixes below;
// those keys share the slot.

// Suffixes of per-community keys, shared with the Lua scripts.
const (
	sufCommunity = "community"
	sufSeq       = "seq"
	sufMembers   = "members"
	sufMember    = "m:"
	sufTelegram  = "tg"
	sufPosts     = "posts"
	sufHolders   = "holders:"
	sufClaims    = "claims:"
	sufTeams     = "teams"
	sufTeam      = "team:"
	sufTeamMem   = ":members"
	sufTeamLead  = ":leaders"
	sufInvite    = "inv:"
	sufInvites   = "invites"
	sufAudit     = "audit"
	sufActs      = "acts"
	sufAct       = "a:"
	sufCodes     = "codes"
	sufSignups   = "su:"
	sufAttended  = "att:"
	sufParts     = "p:"
	sufWrong     = "wrong:"
	sufWrongTG   = "wrongtg:"
	sufRot       = "rot"
	sufScanKey   = "scankey"
	sufScanUsed  = "scanused:"
	sufServices  = "svcs"
	sufPending   = "pending"

	sufUnitCounts  = "cnt:unit"
	sufSkillCounts = "cnt:skill"
	sufSearch      = "sx"
)

// Suffixes of the keys of the rules that keep the ledger honest (SPEC §9).
const (
	sufVoided   = "void:"
	sufMPending = "mpend:"
	sufPClaims  = "pclaim:"
)

// keys builds key names under one prefix.
type keys struct{ prefix string }

func (k keys) communities() string          { return k.prefix + "communities" }
func (k keys) schema() string               { return k.prefix + "schema" }
func (k keys) update(id int64) string       { return k.prefix + "upd:" + strconv.FormatInt(id, 10) }
func (k keys) base(community string) string { return k.prefix + "{c:" + community + "}:" }

func (k keys) community(c string) string     { return k.base(c) + sufCommunity }
func (k keys) seq(c string) string           { return k.base(c) + sufSeq }
func (k keys) members(c string) string       { return k.base(c) + sufMembers }
func (k keys) member(c, id string) string    { return k.base(c) + sufMember + id }
func (k keys) telegram(c string) string      { return k.base(c) + sufTelegram }
func (k keys) posts(c string) string         { return k.base(c) + sufPosts }
func (k keys) holders(c, post string) string { return k.base(c) + sufHolders + post }
func (k keys) claims(c, member string) string {
	return k.base(c) + sufClaims + member
}
func (k keys) teams(c string) string             { return k.base(c) + sufTeams }
func (k keys) teamMembers(c, team string) string { return k.base(c) + sufTeam + team + sufTeamMem }
func (k keys) teamLeaders(c, team string) string { return k.base(c) + sufTeam + team + sufTeamLead }
func (k keys) invite(c, code string) string      { return k.base(c) + sufInvite + code }
func (k keys) invites(c string) string           { return k.base(c) + sufInvites }
func (k keys) audit(c string) string             { return k.base(c) + sufAudit }

func (k keys) acts(c string) string          { return k.base(c) + sufActs }
func (k keys) act(c, id string) string       { return k.base(c) + sufAct + id }
func (k keys) codes(c string) string         { return k.base(c) + sufCodes }
func (k keys) signups(c, id string) string   { return k.base(c) + sufSignups + id }
func (k keys) attended(c, id string) string  { return k.base(c) + sufAttended + id }
func (k keys) parts(c, member string) string { return k.base(c) + sufParts + member }
func (k keys) wrong(c, member string) string { return k.base(c) + sufWrong + member }
func (k keys) wrongTG(c, tg string) string   { return k.base(c) + sufWrongTG + tg }
func (k keys) rot(c string) string           { return k.base(c) + sufRot }
func (k keys) scanKey(c string) string       { return k.base(c) + sufScanKey }
func (k keys) scanUsed(c, n string) string   { return k.base(c) + sufScanUsed + n }
func (k keys) services(c string) string      { return k.base(c) + sufServices }
func (k keys) pending(c string) string       { return k.base(c) + sufPending }
func (k keys) unitCounts(c string) string    { return k.base(c) + sufUnitCounts }
func (k keys) skillCounts(c string) string   { return k.base(c) + sufSkillCounts }

// The keys of the rules that keep the ledger honest (SPEC §9).
func (k keys) voided(c, id string) string          { return k.base(c) + sufVoided + id }
func (k keys) pendingClaims(c, post string) string { return k.base(c) + sufPClaims + post }
func (k keys) memberPending(c, member string) string {
	return k.base(c) + sufMPending + member
}

func (k keys) user(tg int64) string     { return k.prefix + "{u:" + strconv.FormatInt(tg, 10) + "}:user" }
func (k keys) flow(tg int64) string     { return k.prefix + "{u:" + strconv.FormatInt(tg, 10) + "}:flow" }
func (k keys) userSlot(tg int64) string { return k.prefix + "{u:" + strconv.FormatInt(tg, 10) + "}:" }
func (k keys) userUpdate(tg, id int64) string {
	return k.prefix + "{u:" + strconv.FormatInt(tg, 10) + "}:upd:" + strconv.FormatInt(id, 10)
}

// Suffix of the members' last live positions (live.go), shared with its script.
const sufLive = "live:"

func (k keys) live(c, member string) string { return k.base(c) + sufLive + member }

// Suffixes of the scheduler's per-community keys.
const (
	sufSchedLast = "sched:last"
	sufSchedRun  = "sched:run:"
)

func (k keys) schedLast(c string) string { return k.base(c) + sufSchedLast }
func (k keys) schedRun(c, job string, at time.Time) string {
	return k.base(c) + sufSchedRun + job + ":" + strconv.FormatInt(at.UnixMilli(), 10)
}

// Suffixes of the outbox's keys under <p>{ob}:, shared with its Lua scripts.
const (
	obMsg      = "m:"
	obQueue    = "q:"
	obReady    = "ready"
	obBusy     = "busy"
	obInFlight = "inflight"
	obPace     = "pace:"
	obAll      = "all"
	obDead     = "dead"
	obDone     = "done:"
	obBucket   = "bucket"
	obStats    = "stats"
	obBcast    = "bc:"
	obBody     = "body:"
	obBodyRefs = "bref"
	obPending  = "bp:"
	obPend     = "pend"
	obRunProf  = "rp:" // a run's profiles: rp:r:<run>
	obRunMark  = "rr:" // the first call that queued a run: rr:r:<run>
	obCompact  = "bq:" // a run's compact recipients: bq:r:<run>
	obQPend    = "qpend"
	// Messages waiting or in flight, by when they were queued.
	obLiveBatches = "eb"
	obLiveCounts  = "en"
)

func (k keys) outbox() string     { return k.prefix + "{ob}:" }
func (k keys) obStats() string    { return k.outbox() + obStats }
func (k keys) obReady() string    { return k.outbox() + obReady }
func (k keys) obDead() string     { return k.outbox() + obDead }
func (k keys) obInFlight() string { return k.outbox() + obInFlight }

// Suffixes of the presenter's keys under <p>{pr}:, shared with its Lua scripts.
const (
	prDue  = "due"
	prPres = "p:"
	prPace = "pace:"
	prBy   = "by:"
)

func (k keys) presenter() string { return k.prefix + "{pr}:" }
func (k keys) prDue() string     { return k.presenter() + prDue }

// Verifiable statements (statements.go, SPEC section 11). One global key,
// the signing keys:
//
//	<p>stkeys                       hash    cur (the current key's id), n (the last id given), k:<id> (the
//	                                        key, hex), t:<id> (when it was made, unix ms); a retired key's
//	                                        fields are gone
//
// and per community (<b> as above):
//
//	<b>st:<id>                      hash    one statement: m (member id), y (year), kid (signing key id),
//	                                        at (issued, unix ms), p (the participations behind it,
//	                                        "<ref> <kind> <method>" joined by ","), g (grade, absent when
//	                                        none). No name, unit or Telegram id
//	<b>stm:<M>                      hash    year -> id of the member's latest statement of that year: a
//	                                        statement asked again with the same facts and key is the same
const (
	sufStatement        = "st:"
	sufMemberStatements = "stm:"
)

func (k keys) statementKeys() string               { return k.prefix + "stkeys" }
func (k keys) statement(c, id string) string       { return k.base(c) + sufStatement + id }
func (k keys) memberStatements(c, m string) string { return k.base(c) + sufMemberStatements + m }

// Keys of the audience counters and of broadcasts that act (audience.go):
//
//	<b>aud                          hash    "a:" (all), "u:<unit>", "b:<building>", "s:<skill>" (lowered)
//	                                        -> active members with it; "~" before a field: those of them
//	                                        who cannot be reached (no Telegram id, or unreach); "_v" once
//	                                        built, "_c" the number of changes (RebuildAudienceCounts).
//	                                        Kept by counted and caller (scripts.go)
//	<b>bx:<broadcast id>            string  the text of a broadcast that carries an object, for its
//	                                        buttons' edits; expires after 30 days
const (
	sufAudience = "aud"
	sufBcNote   = "bx:"
)

func (k keys) audience(c string) string          { return k.base(c) + sufAudience }
func (k keys) bcNote(c, broadcast string) string { return k.base(c) + sufBcNote + broadcast }

// The standing index (SPEC section 13, standing.go), under <b>:
//
//	<b>ya                           string  bitmap: bit n (SETBIT offset n) is 1 while member Mn is active;
//	                                        kept by counted (scripts.go), so by every script that adds,
//	                                        removes, forgets or moves a member
//	<b>yr                           string  bitmap: bit n is 1 while member Mn is active and can be reached
//	                                        (a Telegram id, no unreach: aud's rule); kept by audienceCounted
//	                                        with ya, so also around a change of tg or unreach
//	<b>yh                           string  at byte offset n: the number of posts member Mn holds now (0 to
//	                                        255), whatever Mn's status; kept by heldCounted in the claim,
//	                                        unclaim and paired-claim scripts and in release (removal,
//	                                        forgetting)
//	<b>yc:<year>                    string  at byte offset 2n, 16 bits big-endian: the number of member Mn's
//	                                        participations dated in that year that count (not voided,
//	                                        any kind), whatever Mn's status; bytes past the end are 0.
//	                                        Kept by tallied in every script that records or voids a
//	                                        participation (check-in, attend, void, service approval,
//	                                        need solved), and by the save-activity script when an
//	                                        activity's date moves (a zone change). With ya, what ll.ComputeStanding's Total is
//	                                        for every active member, in one GET each (YearCounts)
//	<b>yu                           string  bitmap: bit n set while member Mn is active and marked
//	                                        unreachable (unreach); kept with ya by audienceCounted
//	<b>yl                           zset    the numbers of the members who are no longer active, score
//	                                        the time they left (removed, moved away or forgotten), unix
//	                                        ms; kept by the remove and forget scripts (figures.go)
//	<b>yt:<year>:<k>                hash    the year's participations that count of members number
//	                                        k*yearTotalsShard to (k+1)*yearTotalsShard-1, whatever their
//	                                        status: field m:<method> per method, d:<MM> per month (01 to
//	                                        12); kept by tallied with yc (figures.go)
//	<b>yd:<year>                    string  at byte offset 2n, 16 bits big-endian: member Mn's latest
//	                                        participation dated in that year that counts, as
//	                                        MM*100+DD+1 of its date (0: none), whatever Mn's status;
//	                                        kept by tallied with yc (a void of the latest reads Mn's
//	                                        participations again); ll.ComputeStanding's Last
const (
	sufYearActive  = "ya"
	sufYearReach   = "yr"
	sufYearHeld    = "yh"
	sufYearCount   = "yc:"
	sufYearUnreach = "yu"
	sufYearLeft    = "yl"
	sufYearTotals  = "yt:"
	sufYearLast    = "yd:"
	// cnt:bldg, zset: the active members' buildings as typed -> how many
	// (kept by counted with cnt:unit; the Mini App's filter choices)
	sufBuildingCounts = "cnt:bldg"
)

func (k keys) buildingCounts(c string) string { return k.base(c) + sufBuildingCounts }

func (k keys) yearUnreach(c string) string { return k.base(c) + sufYearUnreach }
func (k keys) yearLeft(c string) string    { return k.base(c) + sufYearLeft }

func (k keys) yearActive(c string) string       { return k.base(c) + sufYearActive }
func (k keys) yearReach(c string) string        { return k.base(c) + sufYearReach }
func (k keys) yearHeld(c string) string         { return k.base(c) + sufYearHeld }
func (k keys) yearCount(c string, y int) string { return k.base(c) + sufYearCount + strconv.Itoa(y) }
func (k keys) yearLast(c string, y int) string  { return k.base(c) + sufYearLast + strconv.Itoa(y) }

// Waitlists, seat offers, confirmations and no-shows (SPEC section 10,
// waitlist.go), under the community's base <b>:
//
//	<b>wl:<A>                       zset    members waiting for a seat, score = when they joined (unix ms)
//	<b>off:<A>                      hash    member id -> "<seq>:<expiry unix ms>": the seats offered now;
//	                                        an offer holds its seat (seats = sign-ups + offers ≤ cap);
//	                                        seq numbers the activity's offers (field oq of a:<A>)
//	<b>cf:<A>                       hash    member id -> when (unix ms) they answered "I'll come"; goes
//	                                        with their sign-up
//	<b>wlacts                       zset    ids of the activities with a waitlist or an offer (score 0):
//	                                        what SweepOffers settles
//	<b>noshows                      hash    member id -> number of activities they signed up for and
//	                                        did not come to, counted once per activity
//	<b>a:<A> (waitlist)             hash    more fields of the activity: oq (last offer's seq), ns ("1"
//	                                        once its no-shows were counted)
const (
	sufWaitlist  = "wl:"
	sufOffers    = "off:"
	sufConfirmed = "cf:"
	sufWaitActs  = "wlacts"
	sufNoShows   = "noshows"
)

func (k keys) waitActs(c string) string { return k.base(c) + sufWaitActs }
func (k keys) noShows(c string) string  { return k.base(c) + sufNoShows }

// Units (SPEC section 11) are keyed in units.go: the district-wide units
// under the hash tag {units} (<p>{units}:seq, u, names, lia, audit,
// comms:<U>), and per community <b>um:<U>, the unit's members there, kept by
// counted in the scripts above. Member hashes m:<M> gain the field uid (the
// unit id their typed unit matched). Grades (evaluations.go) are
// <b>grades:<year>.
// Residents' needs (SPEC section 10; needs.go holds their suffixes, key
// functions and scripts). Per community, under <b> (hash tag {c:<c>}):
//
//	<b>needs                        zset    every need id, score = its number (N4 -> 4)
//	<b>n:<N>                        hash    one need: j (JSON lamplighter.Need of what the asker gave: text,
//	                                        photo file id, location, asker's Telegram id and language,
//	                                        created), st (status), h (helpers wanted), sk (skills, JSON
//	                                        array), due and pub (unix ms), rd (times published), tk (taker
//	                                        member ids, comma-separated, in order), pc ("1": awaiting the
//	                                        committee), why (decline reason), dn, dby, dat (done note, by,
//	                                        when), sv, sby (solved when, approver; empty when the asker
//	                                        confirmed), rem and ovd (the due time whose reminder and overdue
//	                                        notice were claimed: once each)
//	<b>nopen:<tg>                   set     the open needs (new, published, taken, done) of asker tg: at most
//	                                        lamplighter.MaxOpenNeeds (CreateNeed refuses more in its script)
//	<b>ndue                         zset    needs with takers, not done, score = due (unix ms): what the sweep
//	                                        reminds and reports overdue
//	<b>ndone                        zset    done needs awaiting their asker, score = done (unix ms): the sweep
//	                                        moves those older than NeedConfirmDays to npend
//	<b>npend                        zset    done needs awaiting the committee (/pending), score = number
//	<b>npub                         zset    published needs nobody took, score = due (unix ms): the sweep
//	                                        expires those past it
//	<b>ntok:<tg>:<nonce>            string  the need an intake flow (asker, flow nonce) created, for a day:
//	                                        a retried or double-tapped intake creates one need
//	<b>p:<M> field N<n>             a need's participation: {"m":"confirmed" or "approval","t","by","d"
//	                                        (its date: a need has no record to take it from),"ak" (the
//	                                        asker's Telegram id, evidence kept, never read back)}
//
// Per Telegram user, in <p>{u:<u>}:user: nc (the community whose need link
// the user opened last: where their /need goes), ncs (every community where
// they asked, comma-separated: what ForgetPerson wipes), nur ("1": a user with no
// membership, a resident, whom Telegram refused a message: SetReachable).
