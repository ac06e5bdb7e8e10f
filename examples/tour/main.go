// Command tour walks through scope, one asyncio program at a time.
package main

import "fmt"

func main() {
	fmt.Println("scope tour: more stops arrive with each feature")
}
