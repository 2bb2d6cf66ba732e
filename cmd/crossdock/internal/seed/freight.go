package seed

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/freight"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/signin"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/services/freight-estimator/synth"
)

// DemoShipments is how many generated completed shipments the demo freight
// history holds: enough for history-based estimates on the busy lanes.
const DemoShipments = 5000

// FreightHistory imports a generated freight history (the last 90 days, ids
// fixed by the seed) through the freight estimator's import API, signed in as
// the demo admin. Running it again only counts duplicates.
func FreightHistory(ctx context.Context, usersAddr, freightAddr string) (freight.Summary, error) {
	usersConn, err := grpc.NewClient(usersAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return freight.Summary{}, err
	}
	defer usersConn.Close()
	conn, err := grpc.NewClient(freightAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return freight.Summary{}, err
	}
	defer conn.Close()
	session := &signin.Session{Users: usersv1.NewUsersServiceClient(usersConn), Email: AdminEmail, Password: DemoPassword}
	im := &freight.Importer{Client: freightv1.NewFreightServiceClient(conn), Token: session.Token, Retries: 5}
	return im.Run(ctx, freight.NewGeneratedSource(synth.New(synth.Options{Seed: 1}), DemoShipments))
}
