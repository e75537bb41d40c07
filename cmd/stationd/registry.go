package main

import (
	"crypto/ecdsa"
	"fmt"
	"time"

	"github.com/capturestation/station/capture/enrollment"
	"github.com/capturestation/station/internal/config"
	"github.com/capturestation/station/sync/dis"
	"github.com/capturestation/station/sync/idv"
	"github.com/capturestation/station/sync/osia"
	"github.com/capturestation/station/sync/personapi"
	"github.com/capturestation/station/sync/spid"
	"github.com/capturestation/station/sync/worker"
)

// newConnector builds the connector for one target.
func newConnector(cfg config.Config, r config.Registry, key *ecdsa.PrivateKey) (worker.Connector, error) {
	secret, err := r.Secret()
	if err != nil {
		return nil, err
	}
	// Each case returns through check so that a failed constructor never
	// yields a non-nil interface around a nil connector.
	switch r.Kind {
	case "osia":
		return check(osia.New(osia.Config{
			BaseURL: r.URL, TokenURL: r.TokenURL, ClientID: r.ClientID, ClientSecret: secret, Scopes: r.Scopes,
			CAFile: r.CAFile, CertFile: r.CertFile, KeyFile: r.KeyFile, Timeout: r.Timeout,
			Galleries: r.Galleries, IdentityType: r.IdentityType, SigningKey: key, StationID: cfg.Station.ID,
		}))
	case "spid":
		return check(spid.New(spid.Config{
			BaseURL: r.URL, TokenURL: r.TokenURL, ClientID: r.ClientID, ClientSecret: secret, Scopes: r.Scopes,
			CAFile: r.CAFile, CertFile: r.CertFile, KeyFile: r.KeyFile, Timeout: r.Timeout,
			PollInterval: r.SPID.PollInterval, MaxPollInterval: r.SPID.MaxPollInterval, MaxPollWait: r.SPID.MaxPollWait,
		}))
	case "dis":
		token, err := r.APIToken()
		if err != nil {
			return nil, err
		}
		return check(dis.New(dis.Config{
			BaseURL: r.URL, APIToken: token, DirectToken: r.DIS.DirectToken, SessionTimeout: r.DIS.SessionTimeout,
			CAFile: r.CAFile, CertFile: r.CertFile, KeyFile: r.KeyFile, Timeout: r.Timeout,
			DocumentSources: r.DIS.DocumentSources, TrustPlatform: r.DIS.TrustPlatform,
		}))
	case "idv":
		return check(idv.New(idv.Config{
			BaseURL: r.URL, TokenURL: r.TokenURL, ClientID: r.ClientID, ClientSecret: secret, Scopes: r.Scopes,
			CAFile: r.CAFile, CertFile: r.CertFile, KeyFile: r.KeyFile, Timeout: r.Timeout,
			Latitude: r.IDV.Latitude, Longitude: r.IDV.Longitude, Checks: r.IDV.Checks, WebhookURL: r.IDV.WebhookURL,
			Target: r.Name,
		}))
	case "personapi":
		key, err := r.PersonSecret()
		if err != nil {
			return nil, err
		}
		var types map[enrollment.DocumentType]string
		if len(r.PersonAPI.DocumentTypes) > 0 {
			types = map[enrollment.DocumentType]string{}
			for k, v := range r.PersonAPI.DocumentTypes {
				types[enrollment.DocumentType(k)] = v
			}
		}
		return check(personapi.New(personapi.Config{
			BaseURL: r.URL, TokenURL: r.TokenURL, ClientID: r.ClientID, ClientSecret: secret, Scopes: r.Scopes,
			CAFile: r.CAFile, CertFile: r.CertFile, KeyFile: r.KeyFile, Timeout: r.Timeout, StationID: cfg.Station.ID,
			DocumentTypes: types, EnrollmentIdentifierType: r.PersonAPI.EnrollmentIdentifierType,
			NameLanguages: r.PersonAPI.NameLanguages, PersonSecretKey: key, DisableLookup: r.PersonAPI.DisableLookup,
		}))
	}
	return nil, fmt.Errorf("registry.kind %q: unknown registry; use one of osia, dis, spid, personapi, idv", r.Kind)
}

func check[C worker.Connector](c C, err error) (worker.Connector, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}

// importIDs are the identifiers and context given to an imported enrollment.
type importIDs struct {
	TransactionID, PersonID, IdentityID string
	StationID, OperatorID               string
	Now                                 time.Time
}

// parseImport turns an OSIA Identity document into an enrollment with the given identifiers.
func parseImport(body []byte, ids importIDs) (*enrollment.Enrollment, error) {
	e, err := osia.ParseIdentity(body, osia.ImportOptions{
		PersonID: ids.PersonID, StationID: ids.StationID, OperatorID: ids.OperatorID,
		Now: func() time.Time { return ids.Now },
	})
	if err != nil {
		return nil, err
	}
	e.TransactionID, e.IdentityID = ids.TransactionID, ids.IdentityID
	return e, nil
}

var (
	_ worker.Connector = (*osia.Connector)(nil)
	_ worker.Connector = (*spid.Connector)(nil)
	_ worker.Connector = (*dis.Connector)(nil)
	_ worker.Connector = (*idv.Connector)(nil)
	_ worker.Connector = (*personapi.Connector)(nil)
)
