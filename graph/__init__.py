"""The GraphQL API: a Strawberry schema composed from per-domain modules, served by Starlette."""
