package ledger

// Command is one ledger transaction: every transfer in it commits, or none
// does. IdempotencyKey makes it safe to retry: the ledger remembers each
// key with a fingerprint of the command, answers a retry with the first
// result and moves nothing, and refuses the same key with a different
// command.
type Command struct {
	IdempotencyKey string
	Transfers      []TransferSpec
}

// Result is what a command did: the transfers it recorded, in the order of
// the command's specs. Replayed is true when the answer comes from an
// earlier execution with the same key.
type Result struct {
	CommandID string
	Transfers []Transfer
	Replayed  bool
}
