package app

import "github.com/crossdock/crossdock/pkg/paging"

// Page sizes of the product lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// productPages and searchPages are the page sizes of the product lists and of
// the buyer's search.
var (
	productPages = paging.Limits{Default: DefaultPageSize, Max: MaxPageSize}
	searchPages  = paging.Limits{Default: DefaultSearchPageSize, Max: MaxSearchPageSize}
)
