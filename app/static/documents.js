/* The sign-in bar's documents (signin.js, on the console and the dashboard). The server trusts them whatever
   ALVEOLE_TRUSTED_DOCUMENTS says (app/graphql_view.py reads this file), so the DPO can sign in where only
   trusted documents run.
   What follows the "=" below must stay a JSON object: the server parses it as JSON. */
window.AlveoleSignInDocuments = {
  "login": "mutation ConsoleLogin($email: String!, $password: String!, $agency: String) { login(email: $email, password: $password, agency: $agency) { token expiresAt user { name email role } } }",
  "logout": "mutation ConsoleLogout { logout }",
  "me": "query ConsoleMe { me { name email role } }"
};
