package ledger

// Command is one ledger transaction: every transfer in it commits, or none
// does. IdempotencyKey makes it safe to retry: the ledger remembers each
// key with a fingerprint of the command, answers a retry with the first
// result and moves nothing, and refuses the same key with a different
// command.
type Command struct {
	IdempotencyKey string
	Transfers      []TransferSpec
	// Expect are the balances the command was planned on: it applies only
	// while each holds, and is refused with ErrBalanceChanged otherwise.
	// They are preconditions, not part of what the command asks for: the
	// fingerprint leaves them out, so a retry planned again on a later
	// balance is still the same command.
	Expect []Expectation
}

// Expectation is a command's precondition on one account: its net posted
// balance (credits less debits) is Net when the command applies, counted
// after the commands applied before it. A command that spends a balance it
// read (a settlement sharing all of an escrow out) or pays into an account
// whose state it checked (a top-up into an escrow still held) states it, so
// a move committed between its read and its command refuses it rather than
// leaving money the plan did not see.
type Expectation struct {
	Account AccountRef
	Net     int64
}

// Result is what a command did: the transfers it recorded, in the order of
// the command's specs. Replayed is true when the answer comes from an
// earlier execution with the same key.
type Result struct {
	CommandID string
	Transfers []Transfer
	Replayed  bool
}
