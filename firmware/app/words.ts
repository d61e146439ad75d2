// What the kiosk says to a voter, in plain words. Every screen text lives
// here so a translation is one file.
import type { RejectReason } from "../protocol/index";

/** Why the gateway refused a vote, as a voter should read it (PROTOCOL §6, rule 7 on). */
export function refusalWords(reason: RejectReason): string {
  switch (reason) {
    case "already-voted":
      return "You have already voted in this ballot.";
    case "ballot-closed":
      return "This ballot is closed.";
    case "not-eligible":
      return "You are not on the roll for this ballot.";
    case "no-ballot":
      return "The gateway does not know this ballot.";
    case "bad-choice":
      return "That choice is not on this ballot.";
    default:
      return `The gateway refused the vote (${reason}).`;
  }
}

export function seconds(s: number): string {
  if (s < 90) return `${s} s`;
  const m = Math.ceil(s / 60);
  return `${m} min`;
}

export const WORDS = {
  welcome: "Signet kiosk",
  noBallot: "No ballot is open.",
  pressStart: "Press # to vote",
  enterNumber: "Voter number, then #",
  enterPin: "PIN, then #",
  placeFinger: "Place your finger on the sensor",
  unknownNumber: "Unknown voter number.",
  noPin: "No PIN is enrolled for this voter.",
  fingerUnknown: "Finger not recognised.",
  fingerNotRead: "No finger read. Press # to try again.",
  chooseBallot: "Choose a ballot:",
  youChose: "You chose:",
  confirmOrCancel: "CONFIRM / CANCEL",
  signing: "Signing your vote...",
  sent: "Vote sent. Waiting for the receipt...",
  stored: "Vote stored. It will be sent when the link is back.",
  receiptFollows: "Vote stored. The gateway has not answered yet.",
  recorded: "Vote recorded",
  receipt: "Receipt:",
  full: "Vote box full: votes are waiting for the gateway. Please try later.",
  signFailed: "Could not sign the vote. Please call staff.",
  cancelled: "Cancelled.",
  timedOut: "Timed out.",
  gatewayOffline: "Gateway offline",
  noLink: "No network",
} as const;
