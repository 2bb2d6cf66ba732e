package restmarket

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// windowCall is one of the platform's paged listings by a time window:
// the method, its window parameters and the answer's field holding the
// page's items.
type windowCall struct {
	method, startParam, endParam, items string
}

// listWindow reads one page of a windowed listing, each item parsed by
// parse, and returns the next page's token (empty on the last page). The
// window is written in the partner's zone and whole seconds.
func listWindow[T any](ctx context.Context, c *Client, p domain.Partner, call windowCall, w domain.Window, page string,
	parse func(json.RawMessage) (T, error)) ([]T, string, error) {
	n, err := pageNo(page)
	if err != nil {
		return nil, "", err
	}
	start, end := windowBounds(w.From, w.To)
	var a map[string]json.RawMessage
	if err := c.call(ctx, p, call.method, url.Values{call.startParam: {start}, call.endParam: {end},
		"page_no": {strconv.Itoa(n)}, "page_size": {strconv.Itoa(pageSize)}}, &a); err != nil {
		return nil, "", err
	}
	var hasNext bool
	var raws []json.RawMessage
	if err := decodeField(a, "has_next", &hasNext); err != nil {
		return nil, "", badAnswer(call.method, err)
	}
	if err := decodeField(a, call.items, &raws); err != nil {
		return nil, "", badAnswer(call.method, err)
	}
	out := make([]T, 0, len(raws))
	for _, raw := range raws {
		item, err := parse(raw)
		if err != nil {
			return nil, "", badAnswer(call.method, err)
		}
		out = append(out, item)
	}
	next := ""
	if hasNext {
		next = strconv.Itoa(n + 1)
	}
	return out, next, nil
}

// decodeField decodes an answer's field into v; a missing field leaves v
// as it is.
func decodeField(a map[string]json.RawMessage, name string, v any) error {
	raw, ok := a[name]
	if !ok {
		return nil
	}
	return json.Unmarshal(raw, v)
}
