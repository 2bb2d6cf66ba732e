package grpcerr

import (
	"fmt"
	"strings"
	"unicode"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
)

// ProblemOf is err as one item of a batch answer: the status the item alone
// would have failed with (ToStatus), flattened into a Problem. A nil err
// gives nil.
func ProblemOf(err error) *commonv1.Problem {
	st := ToStatus(err)
	if st == nil {
		return nil
	}
	p := &commonv1.Problem{Code: codeName(st.Code()), Message: st.Message()}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			p.Reason, p.Metadata = d.GetReason(), d.GetMetadata()
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				p.FieldViolations = append(p.FieldViolations, &commonv1.FieldProblem{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	return p
}

// FromProblem is FromStatus for one item of a batch answer: the item's
// refusal as the error the single call would have returned, nil for none.
func FromProblem(p *commonv1.Problem) error {
	if p == nil {
		return nil
	}
	code := codes.Unknown
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if codeName(c) == p.GetCode() && c != codes.OK {
			code = c
		}
	}
	st := status.New(code, p.GetMessage())
	br := &errdetails.BadRequest{}
	for _, v := range p.GetFieldViolations() {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
	}
	info := &errdetails.ErrorInfo{Reason: p.GetReason(), Domain: apperr.Domain, Metadata: p.GetMetadata()}
	if withDetails, err := st.WithDetails(info, br); err == nil {
		st = withDetails
	}
	return FromStatus(st)
}

// codeName is a code's canonical name, as google.rpc.Code spells it
// ("FAILED_PRECONDITION"); grpc-go's String is "FailedPrecondition".
func codeName(c codes.Code) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range c.String() {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
		prev = r
	}
	return b.String()
}

// Item is one request of a batch after Batch: Out is its answer when it
// was read, Err why it could not be read (answered as its Problem).
type Item[O any] struct {
	Out O
	Err error
}

// Batch reads each request of a batch with read, runs the ones read in one
// call of run, and pairs run's answers back with their requests, in order:
// a malformed item is refused alone, and the batch's handler answers every
// item the same way whether it failed reading or running. An error of run
// itself fails the batch, as does a batch of more than most requests (field
// names the batch in the error), counted before any is read so that malformed
// requests count too.
func Batch[R, I, O any](reqs []R, field string, most int, read func(R) (I, error), run func([]I) ([]O, error)) ([]Item[O], error) {
	if len(reqs) > most {
		return nil, apperr.InvalidField(field, fmt.Sprintf("at most %d per call", most))
	}
	items := make([]Item[O], len(reqs))
	ins := make([]I, 0, len(reqs))
	at := make([]int, 0, len(reqs))
	for i, r := range reqs {
		in, err := read(r)
		if items[i].Err = err; err == nil {
			ins, at = append(ins, in), append(at, i)
		}
	}
	outs, err := run(ins)
	if err != nil {
		return nil, err
	}
	if len(outs) != len(ins) {
		return nil, fmt.Errorf("a batch answered %d of %d items", len(outs), len(ins))
	}
	for j, o := range outs {
		items[at[j]].Out = o
	}
	return items, nil
}
