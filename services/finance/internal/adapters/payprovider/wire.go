package payprovider

import "github.com/crossdock/crossdock/services/finance/internal/app"

// intentJSON and payoutJSON are the provider's objects on the wire.
type intentJSON struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Amount       int64  `json:"amount"`
	Currency     string `json:"currency"`
	Reference    string `json:"reference"`
	ClientSecret string `json:"client_secret"`
	ConfirmURL   string `json:"confirm_url"`
	FailureCode  string `json:"failure_code"`
}

func (j intentJSON) intent() app.Intent {
	return app.Intent{
		ID: j.ID, Status: app.IntentStatus(j.Status), Amount: j.Amount, Currency: j.Currency, Reference: j.Reference,
		ClientSecret: j.ClientSecret, ConfirmURL: j.ConfirmURL, FailureCode: j.FailureCode,
	}
}

type payoutJSON struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Reference   string `json:"reference"`
	FailureCode string `json:"failure_code"`
}

func (j payoutJSON) payout() app.Payout {
	return app.Payout{
		ID: j.ID, Status: app.PayoutStatus(j.Status), Amount: j.Amount, Currency: j.Currency, Reference: j.Reference,
		FailureCode: j.FailureCode,
	}
}
