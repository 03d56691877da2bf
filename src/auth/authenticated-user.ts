/**
 * The developer a request acts for: the token's subject, checked against the users table (exists,
 * active, role read from the row, never trusted from the token). Set on `request.user`.
 */
export interface AuthenticatedUser {
  id: string;
  role: string;
}

/** Claims of our access tokens. */
export interface AccessTokenClaims {
  sub: string;
  role: string;
  iat?: number;
  exp?: number;
}
