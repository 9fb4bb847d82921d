// The answer the token-streaming bench graph streams, one character per chunk, and that every
// client of the bench checks chunk by chunk: 2,000 characters.
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 ";
export const ANSWER = Array.from({ length: 2000 }, (_, i) => ALPHABET[i % ALPHABET.length]).join("");
