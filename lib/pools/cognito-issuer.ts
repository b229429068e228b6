/**
 * The two issuer forms Cognito gives a user pool: the classic host and the "updated" one
 * (`issuerFormat: 'issuer-cognito-idp'`). The pool id starts with the region of the host
 * (`eu-west-1_AbC123` under `cognito-idp.eu-west-1.amazonaws.com`), and AWS caps pool ids
 * at 55 characters.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 */
const COGNITO_ISSUER =
  /^https:\/\/(?:issuer-)?cognito-idp\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com\/\1_[A-Za-z0-9]{1,40}$/;

/** Longer strings are not issuers of either form, whatever the pattern says: none is tested. */
const MAX_ISSUER_LENGTH = 512;

/**
 * Which issuers may be looked up with the app's pool resolver: Cognito's forms, or those the
 * app's `issuerPattern` matches (emulators, tests). Anything else is refused without asking.
 */
export class IssuerFilter {
  private readonly pattern?: RegExp;

  constructor(pattern?: RegExp) {
    // A global or sticky pattern keeps a position between calls; a copy without those flags does not.
    this.pattern = pattern && new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  }

  accepts(issuer: string): boolean {
    if (issuer.length > MAX_ISSUER_LENGTH) return false;
    return COGNITO_ISSUER.test(issuer) || (this.pattern?.test(issuer) ?? false);
  }
}
