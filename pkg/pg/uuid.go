package pg

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// registerUUID teaches a connection's type map github.com/google/uuid's
// UUID, the id type of every service. Without it pgx knows the UUID only as
// a driver.Valuer: each uuid parameter is formatted as text, fails to encode
// as binary (building an error with fmt), is parsed back and then encoded,
// and each uuid column is formatted as text for the Scanner to parse. That
// was about a tenth of a busy service's CPU. Ids held as strings and sent
// as a uuid[] took a like detour per element; they are parsed straight into
// their 16 bytes. Only PostgreSQL's uuid type and arrays of it change;
// anything else about UUIDs is pgx's own handling.
func registerUUID(m *pgtype.Map) {
	t := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	m.RegisterType(t)
	// The array type holds its element type: it must name the new one.
	m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
}

// afterConnect prepares every new connection of a pool.
func afterConnect(_ context.Context, conn *pgx.Conn) error {
	registerUUID(conn.TypeMap())
	return nil
}

// uuidCodec is pgx's uuid codec that also encodes uuid.UUID and scans into
// *uuid.UUID directly. NULL scans as uuid.Nil, as the type's own Scan
// leaves it (callers that need to tell NULL apart scan into *uuid.UUID or
// uuid.NullUUID, which keep pgx's handling).
type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	switch value.(type) {
	case uuid.UUID:
		switch format {
		case pgtype.BinaryFormatCode:
			return encodeUUIDBinary{}
		case pgtype.TextFormatCode:
			return encodeUUIDText{}
		}
	case string:
		// pgx sends a string parameter as text itself; a []string sent as
		// uuid[] comes here, element by element, in binary.
		if format == pgtype.BinaryFormatCode {
			return encodeUUIDStringBinary{}
		}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*uuid.UUID); ok {
		switch format {
		case pgtype.BinaryFormatCode:
			return scanUUIDBinary{}
		case pgtype.TextFormatCode:
			return scanUUIDText{}
		}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

type encodeUUIDBinary struct{}

func (encodeUUIDBinary) Encode(value any, buf []byte) ([]byte, error) {
	u := value.(uuid.UUID)
	return append(buf, u[:]...), nil
}

type encodeUUIDStringBinary struct{}

func (encodeUUIDStringBinary) Encode(value any, buf []byte) ([]byte, error) {
	u, err := uuid.Parse(value.(string))
	if err != nil {
		return nil, fmt.Errorf("%q is not a uuid: %w", value, err)
	}
	return append(buf, u[:]...), nil
}

type encodeUUIDText struct{}

func (encodeUUIDText) Encode(value any, buf []byte) ([]byte, error) {
	return append(buf, value.(uuid.UUID).String()...), nil
}

type scanUUIDBinary struct{}

func (scanUUIDBinary) Scan(src []byte, dst any) error {
	if src == nil {
		*dst.(*uuid.UUID) = uuid.Nil
		return nil
	}
	if len(src) != len(uuid.UUID{}) {
		return fmt.Errorf("a binary uuid of %d bytes, not 16", len(src))
	}
	copy(dst.(*uuid.UUID)[:], src)
	return nil
}

type scanUUIDText struct{}

func (scanUUIDText) Scan(src []byte, dst any) error {
	if src == nil {
		*dst.(*uuid.UUID) = uuid.Nil
		return nil
	}
	u, err := uuid.ParseBytes(src)
	if err != nil {
		return err
	}
	*dst.(*uuid.UUID) = u
	return nil
}
