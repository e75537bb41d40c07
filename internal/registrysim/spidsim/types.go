package spidsim

// Wire types of SPID Server 4.2.12 as the simulator reads and writes them.

// ContentData is one biometric or auxiliary sample; content is base64.
type ContentData struct {
	Index      int    `json:"index"`
	Content    string `json:"content"`
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	Resolution int    `json:"resolution,omitempty"`
}

// MissingBiometric says why an index has no sample.
type MissingBiometric struct {
	Index  int    `json:"index"`
	Type   string `json:"type"`
	Reason string `json:"reason,omitempty"`
}

// KeyValue is a search key or biographic field.
type KeyValue struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// UserTransaction is the body of enroll and verify (inside "data").
type UserTransaction struct {
	Biometrics        []ContentData      `json:"biometrics,omitempty"`
	MissingBiometrics []MissingBiometric `json:"missingBiometrics,omitempty"`
	UserID            string             `json:"userId"`
	OperatorID        string             `json:"operatorId,omitempty"`
	Timestamp         int64              `json:"timestamp"`
	Keys              []KeyValue         `json:"keys,omitempty"`
	Biographics       []KeyValue         `json:"biographics,omitempty"`
	Auxiliaries       []ContentData      `json:"auxiliaries,omitempty"`
}

// ExternalResult is the answer of enroll, verify, getEnrollResult and
// getSearchResult.
type ExternalResult struct {
	ID      string `json:"id"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

// Error is one entry of an ErrorResponse.
type Error struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// ErrorResponse is SPID's error body.
type ErrorResponse struct {
	Errors []Error `json:"errors"`
	Type   string  `json:"type"`
}

// Error types of ErrorResponse.
const (
	ValidationError = "VALIDATION_ERROR"
	ProcessingError = "PROCESSING_ERROR"
	InternalError   = "INTERNAL_ERROR"
	SecurityError   = "SECURITY_ERROR"
)

// TransactionData is the answer of GetTransactionData and
// GetPersonTransactionData.
type TransactionData struct {
	ID         string        `json:"id"`
	UserID     string        `json:"userId"`
	OperatorID string        `json:"operatorId"`
	Type       string        `json:"type"`
	Status     string        `json:"status"`
	Timestamp  int64         `json:"timestamp"`
	PsbioTcn   string        `json:"psbioTcn"`
	Biometrics []ContentData `json:"biometrics"`
}

// TransactionIndex is one index of a GetTransactionGuid transaction.
type TransactionIndex struct {
	Index int `json:"index"`
}

// TransactionGUID is the answer of GetTransactionGuid.
type TransactionGUID struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Type        string `json:"type"`
	Transaction struct {
		Biometrics        []TransactionIndex `json:"Biometrics"`
		MissingBiometrics []MissingBiometric `json:"MissingBiometrics"`
	} `json:"transaction"`
}

// Person is the answer of getPerson.
type Person struct {
	Auxiliaries     []ContentData `json:"auxiliaries"`
	Biographics     []KeyValue    `json:"biographics"`
	Biometrics      []ContentData `json:"biometrics"`
	EnrollStatus    string        `json:"enroll-status"`
	Keys            []KeyValue    `json:"keys"`
	Labels          []string      `json:"labels"`
	Metadata        string        `json:"metadata,omitempty"`
	PersonGUID      string        `json:"person-guid"`
	Timestamp       string        `json:"timestamp"`
	TransactionGUID string        `json:"transaction-guid"`
}

// Operator is the answer of getOperator and the body of enrollOperator.
type Operator struct {
	Document   string        `json:"document"`
	Biometrics []ContentData `json:"biometrics,omitempty"`
	Status     string        `json:"status,omitempty"`
	TGUID      string        `json:"tguid,omitempty"`
}

// SystemStatus is the data of getStatus.
type SystemStatus struct {
	PsbioStatus string `json:"psbioStatus"`
	SpidxStatus string `json:"spidxStatus"`
	GbdsStatus  string `json:"gbdsStatus"`
	IdnStatus   string `json:"idnStatus"`
}

// Transaction statuses and types the simulator uses.
const (
	StatusOK             = "OK"
	StatusEnqueued       = "ENQUEUED"
	StatusEnrollRejected = "ENROLL_REJECTED"
	StatusError          = "ERROR"
	StatusSearchPending  = "SEARCH_PENDING"
	StatusMatch          = "MATCH"
	StatusNotMatch       = "NOT_MATCH"
	StatusEnrolled       = "ENROLLED"

	TypeEnroll = "ENROLL"
	TypeVerify = "VERIFY"

	OperatorPending   = "PENDING"
	OperatorEnqueued  = "ENQUEUED"
	OperatorVerified  = "VERIFIED"
	OperatorException = "EXCEPTION"
	OperatorDeleted   = "DELETED"
)

// Biometric indexes the simulator accepts: fingers 1–10 and slaps 13–15
// (ISO/IEC 19794-4 positions) and the face (20).
func validBiometricIndex(i int) bool {
	return (i >= 1 && i <= 10) || (i >= 13 && i <= 15) || i == 20
}

// validMissingType lists the missing biometric types the simulator accepts.
func validMissingType(t string) bool {
	return t == "AMPUTATED" || t == "BANDAGED" || t == "OTHER"
}
