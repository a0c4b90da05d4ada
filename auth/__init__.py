"""Who is asking (principal), their credentials, and the compartment policy with its enforcement."""
