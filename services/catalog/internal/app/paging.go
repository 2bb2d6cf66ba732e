package app

import "github.com/crossdock/crossdock/pkg/paging"

// Page sizes of the product lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// productPages and searchPages are the page sizes of the product lists and of
// the buyer's search; brandPages of the brand list, whose rows are small and
// whose pickers want many.
var (
	productPages = paging.Limits{Default: DefaultPageSize, Max: MaxPageSize}
	searchPages  = paging.Limits{Default: DefaultSearchPageSize, Max: MaxSearchPageSize}
	brandPages   = paging.Limits{Default: 200, Max: 1000}
)
