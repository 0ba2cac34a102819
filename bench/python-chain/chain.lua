-- wrk script: POST the seed's request with Jane's token (TOKEN in the environment).
wrk.method = "POST"
wrk.body = '{"input":"Show me 5 incidents assigned to me"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

function response(status, headers, body)
    if status ~= 200 then
        io.stderr:write("status " .. status .. ": " .. body .. "\n")
        os.exit(1)
    end
end
