package freight

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/retry"
)

// DefaultBatch is how many records go in one ImportShipments call.
const DefaultBatch = 1000

// MaxBatch is the service's limit per call.
const MaxBatch = 5000

// Summary counts what an import did.
type Summary struct {
	Rows       int64
	Imported   int64
	Duplicates int64
	// Rejected counts rows refused by the service and rows that could not
	// be read.
	Rejected int64
}

// Importer sends a source's rows to ImportShipments in batches.
type Importer struct {
	Client freightv1.FreightServiceClient
	// Token returns a valid access token of an admin.
	Token func(context.Context) (string, error)
	// Batch is the records per call (DefaultBatch when 0).
	Batch int
	// Errors receives the refused rows as CSV (line, shipment_id, reason);
	// nil to drop them.
	Errors io.Writer
	// Progress is told after every batch; nil for none.
	Progress *Progress
	// Retries of a batch the service could not take (Unavailable); the
	// import is idempotent, so a batch may safely be sent again.
	Retries int
	// RetryDelay is the first pause before a retry (about; it is jittered);
	// it doubles each time.
	RetryDelay time.Duration
}

// Run imports every row of src. The refused rows counted are in the report
// whatever stops the import (a batch the service refused, a read error, the
// context), since the summary counts them.
func (im *Importer) Run(ctx context.Context, src Source) (sum Summary, err error) {
	batch := im.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	var report *csv.Writer
	if im.Errors != nil {
		report = csv.NewWriter(im.Errors)
		defer func() {
			report.Flush()
			if werr := report.Error(); err == nil {
				err = werr
			}
		}()
		if err := report.Write([]string{"line", "shipment_id", "reason"}); err != nil {
			return Summary{}, err
		}
	}
	reject := func(line int, id, reason string) error {
		sum.Rejected++
		if report == nil {
			return nil
		}
		return report.Write([]string{strconv.Itoa(line), id, reason})
	}
	records := make([]*freightv1.ShipmentRecord, 0, batch)
	lines := make([]int, 0, batch)
	flush := func() error {
		if len(records) == 0 {
			return nil
		}
		resp, err := im.send(ctx, records)
		if err != nil {
			return fmt.Errorf("import rows %d to %d: %w", lines[0], lines[len(lines)-1], err)
		}
		sum.Imported += resp.GetImported()
		sum.Duplicates += resp.GetDuplicates()
		for _, r := range resp.GetRejected() {
			i := int(r.GetIndex())
			line := 0
			if i >= 0 && i < len(lines) {
				line = lines[i]
			}
			if err := reject(line, r.GetShipmentId(), r.GetReason()); err != nil {
				return err
			}
		}
		records, lines = records[:0], lines[:0]
		if report != nil {
			report.Flush()
			if err := report.Error(); err != nil {
				return err
			}
		}
		im.Progress.Update(src.Progress(), sum)
		return nil
	}
	for {
		it, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, err
		}
		sum.Rows++
		if it.Err != nil {
			if err := reject(it.Line, it.ShipmentID, it.Err.Error()); err != nil {
				return sum, err
			}
			continue
		}
		records = append(records, it.Record)
		lines = append(lines, it.Line)
		if len(records) == batch {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	if err := flush(); err != nil {
		return sum, err
	}
	im.Progress.Done(sum)
	return sum, nil
}

// send makes one ImportShipments call, retrying while the service is
// unavailable, at most Retries times; any other error returns at once.
func (im *Importer) send(ctx context.Context, records []*freightv1.ShipmentRecord) (*freightv1.ImportShipmentsResponse, error) {
	delay := im.RetryDelay
	if delay <= 0 {
		delay = 500 * time.Millisecond
	}
	return backoff.Retry(ctx, func() (*freightv1.ImportShipmentsResponse, error) {
		token, err := im.Token(ctx)
		if err != nil {
			return nil, backoff.Permanent(err)
		}
		callCtx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
		resp, err := im.Client.ImportShipments(callCtx, &freightv1.ImportShipmentsRequest{Records: records})
		if err != nil && status.Code(err) != codes.Unavailable {
			return resp, backoff.Permanent(err)
		}
		return resp, err
	}, backoff.WithBackOff(retry.Exponential(delay, 64*delay)),
		backoff.WithMaxTries(uint(max(im.Retries, 0))+1), backoff.WithMaxElapsedTime(0))
}
