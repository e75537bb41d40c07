// Package workflow is the enrollment state machine of a capture station: it
// takes one applicant from the start through biographic data, the identity
// document (MRZ typed, scanned or read on the document camera, which fills
// the form; chip read with the chip portrait and the passive-authentication
// verdict), the face (live preview events,
// ISO/IEC 29794-5 style quality, auto-capture, liveness per ISO/IEC 30107),
// the fingerprints (single fingers or 4-4-2 slaps, NFIQ 2 style quality,
// missing-finger exceptions with OSIA reasons) to the review, and seals the
// confirmed enrollment into the outbox.
//
// # Stages
//
// A Service (one per station) runs the commands of the operator's UI and the
// CLI on enrollments identified by their transaction ID. The stage of an
// enrollment is the first step that is not complete under the deployment's
// Policy: biographic → document → face → fingers → review. A command for a
// later step is refused with ErrOutOfOrder ("the face step comes after the
// document step: finish the document step first (document: read the chip)");
// a command for an earlier step (a new face capture, a corrected name) is
// allowed and may move the enrollment back. Confirm needs the review stage;
// after it the enrollment is sealed and commands get ErrSealed.
//
// # Policy and exceptions
//
// Policy (under workflow: in the station configuration) says which steps are
// required, the finger mode and positions, the minimum face and finger
// scores, how many attempts a capture gets before its best low-quality result
// may be accepted, and which exceptions need a supervisor: missing finger,
// low quality, chip unreadable or not genuine, liveness failed. A supervisor
// approves on the operator's screen (Approval: name and PIN); the Approver
// (AccountsApprover over internal/operators) counts failures towards the
// account's lockout, refuses non-supervisors and, unless the policy allows
// it, a supervisor approving their own enrollment. Every refusal is audited.
//
// # Drafts, audit, events
//
// After every command the draft (the enrollment so far and each step's
// attempts and best captures) is saved sealed (AES-256-GCM, internal/store)
// in the enrollments bucket under "draft/<transaction ID>", in the same
// transaction as an audit entry (internal/audit: hash-chained, identifiers
// and codes only). A crash or power cut loses at most the command in
// progress: a new Service over the same store lists the drafts (Drafts) and
// Resume continues where it stopped. Confirm queues the enrollment in the
// outbox (idempotent by transaction ID) and then removes the draft; repeating
// a Confirm interrupted between the two is safe.
//
// Progress goes to a Publisher (internal/events.Bus) as enrollment and
// capture events without personal data (IDs, stages, scores, verdicts,
// advice), for the UI to stream. Personal data reaches the UI only through
// Draft.
//
// # Devices
//
// The workflow owns its device seams: ChipReader, FaceCapturer and
// FingerScanner (every drivers/fingerprint.Scanner is one). The devices
// subpackage implements the first two with OpenCV and capture/emrtd/reader;
// the workflow itself does not link OpenCV, so ui/ may import it.
//
// # Caveats
//
// Slaps (4-4-2) need a slap scanner: the workflow keeps the image the scanner
// returns for each slap slot and judges it whole, it does not segment it into
// fingers. One capture runs at a time per enrollment (ErrBusy); a capture
// holds no database transaction while the device works. Exception reasons
// are kept in the draft and the enrollment; the audit records the reason
// code for missing fingers and the cancellation reason as given, so the UI
// should offer codes rather than free text there.
package workflow
