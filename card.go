package lamplighter

// Card is everything a member's card shows (/me, and /member for the
// committee; SPEC section 3), read together in one step so that the card
// costs one round trip to the store.
type Card struct {
	Member    Member
	Community Community
	// Claims are the member's claims, current and released, oldest first.
	Claims []Claim
	// Posts are the posts the member holds now, by id, with Claims filled in.
	Posts []Post
	// Teams are the teams the member is in, by id. Each is partial: Members
	// holds only the member, and Leaders the member only if they lead it.
	Teams []Team
	// Participations are the member's participations, voided ones included,
	// ordered as SortParticipations orders them.
	Participations []Participation
}
