package mrz

//go:generate go run ./internal/gencodes

// icaoName returns the name of the codes ICAO 9303 part 3 adds to ISO 3166-1
// for issuing states, organizations and nationalities.
func icaoName(code string) (string, bool) {
	switch code {
	case "D":
		return "Germany", true
	case "GBD":
		return "British Overseas Territories Citizen", true
	case "GBN":
		return "British National (Overseas)", true
	case "GBO":
		return "British Overseas Citizen", true
	case "GBP":
		return "British Protected Person", true
	case "GBS":
		return "British Subject", true
	case "UNO":
		return "United Nations Organization or one of its officials", true
	case "UNA":
		return "Specialized agency of the United Nations or one of its officials", true
	case "UNK":
		return "Resident of Kosovo (United Nations Interim Administration Mission)", true
	case "EUE":
		return "European Union", true
	case "XBA":
		return "African Development Bank", true
	case "XIM":
		return "African Export-Import Bank", true
	case "XCC":
		return "Caribbean Community", true
	case "XCE":
		return "Council of Europe", true
	case "XCO":
		return "Common Market for Eastern and Southern Africa", true
	case "XDC":
		return "Southern African Development Community", true
	case "XEC":
		return "Economic Community of West African States", true
	case "XES":
		return "Organisation of Eastern Caribbean States", true
	case "XMP":
		return "Inter-Parliamentary Union", true
	case "XOM":
		return "Sovereign Military Order of Malta", true
	case "XPO":
		return "International Criminal Police Organization (INTERPOL)", true
	case "XXA":
		return "Stateless person", true
	case "XXB":
		return "Refugee (1951 Convention)", true
	case "XXC":
		return "Refugee (other)", true
	case "XXX":
		return "Person of unspecified nationality", true
	case "UTO":
		return "Utopia (ICAO specimen documents)", true
	}
	return "", false
}

// CountryName returns the name of an issuing state, organization or
// nationality code as it appears in an MRZ (fillers stripped): an ISO 3166-1
// alpha-3 code or one of the codes ICAO 9303 part 3 adds (D for Germany,
// GBD…GBS, UNO, UNA, UNK, EUE, X.. organizations, XXA…XXX, and UTO for
// specimens).
func CountryName(code string) (string, bool) {
	if n, ok := icaoName(code); ok {
		return n, true
	}
	return iso3166Name(code)
}
