package app

// Subjects of the events this service publishes (stream CATALOG). The
// payloads are the messages of crossdock/catalog/v1/events.proto.
const (
	SubjectProductSubmitted  = "catalog.product.submitted"
	SubjectProductApproved   = "catalog.product.approved"
	SubjectProductRejected   = "catalog.product.rejected"
	SubjectProductListed     = "catalog.product.listed"
	SubjectProductDelisted   = "catalog.product.delisted"
	SubjectProductUpdated    = "catalog.product.updated"
	SubjectProductDeleted    = "catalog.product.deleted"
	SubjectProductRestored   = "catalog.product.restored"
	SubjectProductTranslated = "catalog.product.translated"
	SubjectSkuCreated        = "catalog.sku.created"
	SubjectSkuPriceChanged   = "catalog.sku.price_changed"
)

// SubjectMerchantTierChanged is the users service's event the catalog
// follows to know each merchant's tier.
const SubjectMerchantTierChanged = "users.merchant.tier_changed"
