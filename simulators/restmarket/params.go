package restmarket

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The list methods' paging: page_no from 1, page_size up to 100.
const (
	defaultPageSize = 40
	maxPageSize     = 100
)

// required returns a parameter that must be sent.
func required(params url.Values, name string) (string, *apiError) {
	v := params.Get(name)
	if v == "" {
		return "", missing(name)
	}
	return v, nil
}

// timeParam reads a required UTC+8 time.
func timeParam(params url.Values, name string) (time.Time, *apiError) {
	v, e := required(params, name)
	if e != nil {
		return time.Time{}, e
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, invalid(name, err.Error())
	}
	return t, nil
}

// window reads a [start, end) pair of times.
func window(params url.Values, startName, endName string) (time.Time, time.Time, *apiError) {
	start, e := timeParam(params, startName)
	if e != nil {
		return time.Time{}, time.Time{}, e
	}
	end, e := timeParam(params, endName)
	if e != nil {
		return time.Time{}, time.Time{}, e
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, invalid(endName, "must be after "+startName)
	}
	return start, end, nil
}

// paging reads page_no and page_size as an offset and a limit.
func paging(params url.Values) (offset, limit int, e *apiError) {
	no, size := 1, defaultPageSize
	if v := params.Get("page_no"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, invalid("page_no", "must be a number from 1")
		}
		no = n
	}
	if v := params.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return 0, 0, invalid("page_size", "must be a number from 1 to 100")
		}
		size = n
	}
	return (no - 1) * size, size, nil
}

// list reads a comma-separated list; empty entries are refused.
func list(params url.Values, name string, maxLen int) ([]string, *apiError) {
	v := params.Get(name)
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) > maxLen {
		return nil, invalid(name, "holds more than "+strconv.Itoa(maxLen)+" entries")
	}
	for _, p := range parts {
		if p == "" {
			return nil, invalid(name, "holds an empty entry")
		}
	}
	return parts, nil
}
