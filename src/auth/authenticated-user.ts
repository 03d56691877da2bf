/** What the JWT strategy attaches to `request.user` after checking the token and the user row. */
export interface AuthenticatedUser {
  id: string;
  email: string;
  role: string;
}

/** Claims of our access tokens. */
export interface AccessTokenClaims {
  sub: string;
  role: string;
  iat?: number;
  exp?: number;
}
