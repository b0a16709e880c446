"""Print the OpenAPI document Powertools generates from the API's routes (`make openapi`)."""

from disposer.api.app import openapi_json

if __name__ == "__main__":
    print(openapi_json())
